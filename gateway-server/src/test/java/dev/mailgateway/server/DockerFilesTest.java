package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked about the Docker deployment without a Docker engine: the image builds
 * and runs the gateway the way the README says, and the compose file and the image agree.
 */
class DockerFilesTest {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final JsonMapper JSON = JsonMapper.builder().build();

    static String read(String relative) throws IOException {
        return Files.readString(ROOT.resolve(relative));
    }

    /** Dockerfile instructions as (keyword, argument) with continuation lines joined. */
    static List<String[]> instructions() throws IOException {
        List<String[]> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read("docker/Dockerfile").split("\n")) {
            String t = line.strip();
            if (current.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            String s = current.toString().strip();
            current.setLength(0);
            int sp = s.indexOf(' ');
            out.add(new String[] {s.substring(0, sp).toUpperCase(), s.substring(sp + 1).strip()});
        }
        return out;
    }

    static List<String> all(String keyword) throws IOException {
        return instructions().stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
    }

    static String last(String keyword) throws IOException {
        List<String> a = all(keyword);
        assertThat(a).as("Dockerfile has %s", keyword).isNotEmpty();
        return a.get(a.size() - 1);
    }

    static List<String> jsonArray(String text) throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(text).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The instructions of the maven build stage, in order. */
    static List<String[]> buildStage() throws IOException {
        List<String[]> out = new ArrayList<>();
        boolean inBuildStage = false;
        for (String[] i : instructions()) {
            if (i[0].equals("FROM")) {
                inBuildStage = i[1].startsWith("maven:");
            } else if (inBuildStage) {
                out.add(i);
            }
        }
        return out;
    }

    /** The build stage's mvn RUNs, as written after RUN (without BuildKit --mount options). */
    static List<String> mvnRuns() throws IOException {
        return buildStage().stream().filter(i -> i[0].equals("RUN") && i[1].contains("mvn "))
                .map(i -> i[1].replaceAll("--mount=\\S+\\s+", "").strip()).toList();
    }

    /** The build stage's mvn command: the last mvn RUN (the first only fills the dependency layer). */
    static String buildCommand() throws IOException {
        List<String> runs = mvnRuns();
        assertThat(runs).as("mvn RUNs in the maven build stage: dependencies, then the build").hasSize(2);
        return runs.get(1);
    }

    /** The parent POM's modules. */
    static List<String> modules() throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(read("pom.xml"));
        while (m.find()) {
            out.add(m.group(1).strip());
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    /** The runtime process the image starts: ENTRYPOINT's script with CMD as its arguments. */
    static List<String> runtimeCommand() throws IOException {
        List<String> entrypoint = jsonArray(last("ENTRYPOINT"));
        List<String> cmd = jsonArray(last("CMD"));
        assertThat(entrypoint.subList(0, 2)).containsExactly("sh", "-c");
        List<String> out = new ArrayList<>();
        for (String token : entrypoint.get(2).split("\\s+")) {
            switch (token) {
                case "exec", "$JAVA_OPTS" -> { }
                case "\"$@\"" -> out.addAll(cmd);
                default -> out.add(token);
            }
        }
        return out;
    }

    /** The README's run command: "java -jar ... mail-gateway.jar ..." up to the end of the line. */
    static List<String> readmeRunCommand() throws IOException {
        Matcher m = Pattern.compile("java -jar \\S*mail-gateway\\.jar[^\\n`]*").matcher(read("README.md"));
        assertThat(m.find()).as("README.md shows how to run the jar").isTrue();
        return Arrays.asList(m.group().strip().split("\\s+"));
    }

    private static String fileName(String path) {
        return Path.of(path).getFileName().toString();
    }

    @Test
    void buildStageRunsTheReadmeBuildCommand() throws IOException {
        String command = buildCommand();
        assertThat(command).startsWith("mvn ");
        assertThat(read("README.md")).as("README.md contains the Dockerfile's build command")
                .contains(command);
    }

    /**
     * Issue 17: a docs or source edit must not re-download every dependency. The POMs (every
     * module's) are copied first, the same build runs on them alone (downloading what the real
     * build needs into its own layer) and removes its empty output; only then come the sources.
     */
    @Test
    void dependenciesAreDownloadedInALayerBeforeTheSources() throws IOException {
        List<String[]> stage = buildStage();
        List<String> kinds = stage.stream().map(i -> i[0] + " " + i[1]).toList();
        int sources = kinds.indexOf("COPY . .");
        assertThat(sources).as("COPY . . in the build stage").isPositive();
        String depsRun = mvnRuns().get(0);
        int deps = kinds.indexOf("RUN " + depsRun);
        assertThat(deps).as("the dependency RUN comes before the sources").isBetween(0, sources);
        assertThat(depsRun).isEqualTo(buildCommand() + " && rm -rf target */target");

        List<String> pomCopies = new ArrayList<>();
        pomCopies.add("COPY pom.xml ./");
        for (String module : modules()) {
            pomCopies.add("COPY " + module + "/pom.xml " + module + "/");
        }
        for (String copy : pomCopies) {
            assertThat(kinds.indexOf(copy)).as("%s before the dependency RUN", copy).isBetween(0, deps);
        }
        // nothing but the POMs is in the image before the dependency layer
        assertThat(stage.subList(0, deps)).allSatisfy(i -> assertThat(i[0]).isIn("WORKDIR", "COPY", "ENV", "ARG"))
                .filteredOn(i -> i[0].equals("COPY")).extracting(i -> i[0] + " " + i[1])
                .containsExactlyInAnyOrderElementsOf(pomCopies);
    }

    @Test
    void userIsANormalAccountWithTheFixedUid() throws IOException {
        String run = all("RUN").stream().filter(r -> r.contains("useradd")).findFirst().orElseThrow();
        assertThat(run).contains("--uid 10001").contains("--gid 10001")
                // uid 10001 is above SYS_UID_MAX: --system makes useradd warn
                .doesNotContain("--system");
    }

    @Test
    void imageTakesTheJarTheReadmeRuns() throws IOException {
        String readmeJar = readmeRunCommand().get(2);
        String copy = all("COPY").stream().filter(c -> c.startsWith("--from=build")).findFirst()
                .orElseThrow();
        String[] parts = copy.split("\\s+");
        String workdir = "/src/";
        assertThat(all("WORKDIR").get(0)).isEqualTo("/src");
        assertThat(parts[1]).isEqualTo(workdir + readmeJar);
        assertThat(parts[2]).isEqualTo("/app/mail-gateway.jar");
    }

    @Test
    void runtimeCommandMatchesTheReadme() throws IOException {
        List<String> readme = readmeRunCommand();
        List<String> image = runtimeCommand();
        assertThat(image).hasSameSizeAs(readme);
        assertThat(image.get(0)).isEqualTo(readme.get(0)).isEqualTo("java");
        assertThat(image.get(1)).isEqualTo(readme.get(1)).isEqualTo("-jar");
        assertThat(fileName(image.get(2))).isEqualTo(fileName(readme.get(2))).isEqualTo("mail-gateway.jar");
        // same options; file arguments may live elsewhere in the container, same name
        for (int i = 3; i < image.size(); i++) {
            if (readme.get(i).startsWith("-")) {
                assertThat(image.get(i)).isEqualTo(readme.get(i));
            } else {
                assertThat(fileName(image.get(i))).isEqualTo(fileName(readme.get(i)));
            }
        }
        assertThat(image).containsSubsequence("--config", "/app/config.json");
    }

    @Test
    void runtimeImageShape() throws IOException {
        List<String> from = all("FROM");
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).isEqualTo("maven:3.9-eclipse-temurin-17 AS build");
        assertThat(from.get(1)).isEqualTo("eclipse-temurin:17-jre");
        assertThat(last("USER")).isNotIn("root", "0");
        assertThat(last("WORKDIR")).isEqualTo("/app");
        assertThat(all("VOLUME")).containsExactly("/app/emails");
        assertThat(last("EXPOSE").split("\\s+")).contains("25", "8025");
        assertThat(read("docker/Dockerfile")).contains("-XX:MaxRAMPercentage=75")
                .contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(all("COPY")).contains("docker/config.json /app/config.json");
    }

    @Test
    void healthcheckUsesTheJarsSubcommandInImageAndCompose() throws IOException {
        String hc = last("HEALTHCHECK");
        List<String> imageProbe = jsonArray(hc.substring(hc.indexOf("CMD ") + 4));
        assertThat(imageProbe).startsWith("java").endsWith("healthcheck")
                .contains("/app/mail-gateway.jar").containsSubsequence("--config", "/app/config.json");

        String compose = read("docker/docker-compose.yml");
        Matcher m = Pattern.compile("test: (\\[.*])").matcher(compose);
        assertThat(m.find()).isTrue();
        List<String> composeProbe = jsonArray(m.group(1));
        assertThat(composeProbe.get(0)).isEqualTo("CMD");
        assertThat(composeProbe.subList(1, composeProbe.size())).isEqualTo(imageProbe);
    }

    @Test
    void composeRunsGatewayWithUpstreamRestartAndVolumes() throws IOException {
        String compose = read("docker/docker-compose.yml");
        assertThat(compose).contains("dockerfile: docker/Dockerfile")
                .contains("restart: unless-stopped")
                .contains(":/app/emails")
                .contains("image: axllent/mailpit")
                .contains("FORWARD_HOST: mailpit")
                .contains("FORWARD_PORT: \"1025\"")
                // the demo certificate is made before the gateway starts and mounted read-only
                .contains("gateway-tls:/app/tls:ro")
                .contains("gateway-tls:/tls")
                .contains("condition: service_completed_successfully");
        Map<String, String> env = composeEnvironment("gateway");
        // container ports published are the ones the gateway is told to listen on
        assertThat(compose).contains(":" + env.get("SMTP_PORT") + "\"")
                .contains(":" + env.get("HEALTH_CHECK_PORT") + "\"");
        assertThat(env).containsEntry("SMTP_HOST", "0.0.0.0")
                .containsEntry("SECURITY_REQUIRE_AUTH", "true")
                .containsEntry("SECURITY_ALLOW_LOCAL_ONLY", "false")
                .containsEntry("ADMIN_HOST", "0.0.0.0");
    }

    @Test
    void smokeScriptIsExecutableAndBounded() throws IOException {
        Path smoke = ROOT.resolve("docker/smoke.sh");
        assertThat(Files.isExecutable(smoke)).isTrue();
        String s = Files.readString(smoke);
        assertThat(s).startsWith("#!/usr/bin/env bash").contains("set -euo pipefail")
                .contains("trap cleanup EXIT").contains("down -v")
                .contains("healthcheck").contains("/api/v1/search")
                // its own project, ports and subnet: runs beside a demo stack that is up
                .contains("-p \"$project\"").contains("free_port").contains("free_subnet")
                .doesNotContain("\"127.0.0.1\", 2525").doesNotContain("127.0.0.1:8026");
    }

    /** Issue 17: docker-compose 1.29 rejects a top-level name:, the project name is in docker/.env. */
    @Test
    void composeFileWorksWithCompose129AndV2() throws IOException {
        String compose = read("docker/docker-compose.yml");
        assertThat(compose.lines()).noneMatch(l -> l.startsWith("name:")).noneMatch(l -> l.startsWith("version:"));
        assertThat(read("docker/.env").lines()).contains("COMPOSE_PROJECT_NAME=mail-gateway");
    }

    @Test
    void certsServiceHasNoNetwork() throws IOException {
        assertThat(serviceBlock("certs")).contains("network_mode: none").doesNotContain("networks:");
    }

    /** The published ports and the subnet can move together; the defaults are the documented ones. */
    @Test
    void portsAndSubnetAreVariablesWithTheDocumentedDefaults() throws IOException {
        String compose = read("docker/docker-compose.yml");
        assertThat(compose).contains("\"127.0.0.1:${PUBLISH_SMTP:-2525}:25\"")
                .contains("\"127.0.0.1:${PUBLISH_ADMIN:-8025}:8025\"")
                .contains("\"127.0.0.1:${PUBLISH_MAILPIT:-8026}:8025\"")
                .contains("subnet: ${MAILNET_SUBNET:-172.28.0.0/16}")
                .contains("gateway: ${MAILNET_GATEWAY:-172.28.0.1}");
        assertThat(serviceBlock("gateway")).contains("SECURITY_ALLOWED_NETWORKS: ${MAILNET_SUBNET:-172.28.0.0/16}")
                .contains("${MAILNET_GATEWAY:-172.28.0.1}/32");
    }

    /**
     * Issue 17: a memory limit, and the JVM sized inside it: heap (MaxRAMPercentage of the limit)
     * + Netty's direct memory (MaxDirectMemorySize) + 256 MiB for metaspace, code cache, threads.
     */
    @Test
    void gatewayHasAMemoryLimitThatHeapAndDirectMemoryFit() throws IOException {
        Matcher limit = Pattern.compile("\n    mem_limit: (\\d+)([mg])\n").matcher(serviceBlock("gateway"));
        assertThat(limit.find()).as("mem_limit on the gateway service").isTrue();
        long limitMiB = Long.parseLong(limit.group(1)) * (limit.group(2).equals("g") ? 1024 : 1);
        String opts = composeEnvironment("gateway").get("JAVA_OPTS");
        Matcher pct = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(opts);
        Matcher direct = Pattern.compile("-XX:MaxDirectMemorySize=(\\d+)m").matcher(opts);
        assertThat(pct.find()).as("JAVA_OPTS %s sets the heap as a share of the limit", opts).isTrue();
        assertThat(direct.find()).as("JAVA_OPTS %s bounds direct memory", opts).isTrue();
        long heapMiB = limitMiB * Integer.parseInt(pct.group(1)) / 100;
        assertThat(heapMiB + Long.parseLong(direct.group(1)) + 256).isLessThanOrEqualTo(limitMiB);
        assertThat(opts).contains("-XX:+ExitOnOutOfMemoryError");
    }

    /** Issue 17: the published admin port is not open by default; the README says to change the token. */
    @Test
    void adminTokenComesFromTheEnvironmentWithAPlaceholderTheReadmeNames() throws IOException {
        String line = serviceBlock("gateway").lines().filter(l -> l.strip().startsWith("ADMIN_TOKEN:"))
                .findFirst().orElseThrow().strip();
        Matcher m = Pattern.compile("ADMIN_TOKEN: \\$\\{ADMIN_TOKEN:-([^}]+)}").matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        assertThat(read("README.md")).contains("`ADMIN_TOKEN`").contains(m.group(1));
        assertThat(read("docker/.env")).contains("# ADMIN_TOKEN=");
    }

    /** The real eclipse-temurin image has curl and wget: no file may say otherwise. */
    @Test
    void noFileClaimsTheImageHasNoCurl() throws IOException {
        for (String f : List.of("docker/Dockerfile", "docs/operations.md", "README.md")) {
            assertThat(read(f)).as(f).doesNotContainPattern("(?i)(no|without) curl");
        }
    }

    /** One service's lines of docker/docker-compose.yml (from "  name:" to the next service). */
    static String serviceBlock(String service) throws IOException {
        StringBuilder out = new StringBuilder();
        boolean in = false;
        for (String line : read("docker/docker-compose.yml").split("\n")) {
            if (!line.startsWith("   ") && !line.isBlank()) {
                in = line.equals("  " + service + ":");
            }
            if (in) {
                out.append(line).append('\n');
            }
        }
        assertThat(out).as("service %s", service).isNotEmpty();
        return out.toString();
    }

    /**
     * The {@code environment:} mapping of one compose service, values unquoted and
     * {@code ${VAR:-default}} replaced by the default (what compose does without the variable).
     */
    static Map<String, String> composeEnvironment(String service) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        String[] lines = read("docker/docker-compose.yml").split("\n");
        boolean inService = false;
        int envIndent = -1;
        for (String line : lines) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            String t = line.strip();
            if (indent == 2) {
                inService = t.equals(service + ":");
                envIndent = -1;
                continue;
            }
            if (!inService) {
                continue;
            }
            if (indent == 4) {
                envIndent = t.equals("environment:") ? 6 : -1;
                continue;
            }
            if (envIndent == indent) {
                int colon = t.indexOf(':');
                String value = t.substring(colon + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                value = value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
                env.put(t.substring(0, colon), value);
            }
        }
        assertThat(env).as("environment of service %s", service).isNotEmpty();
        return env;
    }

    @Test
    void composeEnvironmentParserReadsTheGatewayService() throws IOException {
        Map<String, String> env = composeEnvironment("gateway");
        assertThat(env).containsEntry("DEFAULT_USERNAME", "app")
                .containsEntry("SECURITY_ALLOWED_NETWORKS", "172.28.0.0/16")
                .containsKey("JAVA_OPTS");
    }
}
