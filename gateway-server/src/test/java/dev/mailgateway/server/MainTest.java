package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's commands, in-process with captured streams (no gateway is started). */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.execute(args, env, dir, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("--config PATH", "--check-config", "healthcheck", "--version");
        assertThat(err()).isEmpty();
    }

    @Test
    void versionPrintsTheGatewayName() {
        assertThat(run(Map.of(), "--version")).isZero();
        assertThat(out()).startsWith("mail-gateway ");
    }

    @Test
    void unknownArgumentPrintsUsageOnStderrAndExitsTwo() {
        assertThat(run(Map.of(), "--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown argument \"--frobnicate\"").contains("Usage:");
        assertThat(out()).isEmpty();
    }

    @Test
    void configWithoutPathIsAUsageError() {
        assertThat(run(Map.of(), "--config")).isEqualTo(2);
        assertThat(err()).contains("--config needs a file path");
    }

    @Test
    void checkConfigPrintsEffectiveConfigWithPasswordsMasked() throws Exception {
        Path file = write("gw.json", """
                { // comments are fine
                  "smtpPort": 2600,
                  "defaultUsername": "apps", "defaultPassword": "inbound-secret",
                  "forwardSMTP": true, "forwardHost": "smtp.example.com",
                  "forwardUsername": "relay", "forwardPassword": "upstream-secret",
                  "forwardProviders": [{"host": "a.example.com", "password": "provider-secret"}]
                }""");
        int code = run(Map.of(), "--config", file.toString(), "--check-config");

        assertThat(code).as(err()).isZero();
        assertThat(out()).doesNotContain("inbound-secret", "upstream-secret", "provider-secret");
        JsonNode json = JsonMapper.builder().build().readTree(out());
        assertThat(json.get("smtpPort").asInt()).isEqualTo(2600);
        assertThat(json.get("defaultPassword").asText()).isEqualTo("****");
        assertThat(json.get("forwardPassword").asText()).isEqualTo("****");
        assertThat(json.get("forwardProviders").get(0).get("password").asText()).isEqualTo("****");
        assertThat(json.get("defaultUsername").asText()).isEqualTo("apps");
        assertThat(err()).contains("config OK").contains(file.toString());
    }

    @Test
    void configFileFromEnvironmentIsUsed() throws Exception {
        Path file = write("gw.json", "{\"smtpPort\": 2600, \"security\": {\"requireAuth\": false}}");
        int code = run(Map.of("CONFIG_FILE", file.toString()), "--check-config");

        assertThat(code).as(err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(out()).get("smtpPort").asInt()).isEqualTo(2600);
        assertThat(err()).contains("from CONFIG_FILE");
    }

    @Test
    void environmentOverridesTheFileInCheckConfig() throws Exception {
        Path file = write("gw.json", "{\"smtpPort\": 2600, \"security\": {\"requireAuth\": false}}");
        int code = run(Map.of("SMTP_PORT", "2601", "RATE_LIMITS_MAX_PER_HOUR", "42",
                "DEFAULT_PASSWORD", "from-env"), "--config", file.toString(), "--check-config");

        assertThat(code).as(err()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(out());
        assertThat(json.get("smtpPort").asInt()).isEqualTo(2601);
        assertThat(json.get("rateLimits").get("maxPerHour").asInt()).isEqualTo(42);
        assertThat(json.get("defaultPassword").asText()).isEqualTo("****");
        assertThat(out()).doesNotContain("from-env");
    }

    @Test
    void badEnvironmentValueExitsTwoNamingTheVariable() {
        assertThat(run(Map.of("SMTP_PORT", "twenty-five"), "--check-config")).isEqualTo(2);
        assertThat(err()).startsWith("config error: ").contains("SMTP_PORT").doesNotContain("\tat ");
    }

    @Test
    void implicitConfigJsonInWorkingDirectoryIsUsed() throws Exception {
        write("config.json", "{\"smtpPort\": 2700, \"security\": {\"requireAuth\": false}}");
        assertThat(run(Map.of(), "--check-config")).as(err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(out()).get("smtpPort").asInt()).isEqualTo(2700);
        assertThat(err()).contains("from ./config.json");
    }

    @Test
    void noFileAnywhereMeansBuiltInDefaults() throws Exception {
        // the spec's defaults (requireAuth true, no credentials) refuse to start, and say how to fix it
        assertThat(run(Map.of(), "--check-config")).isEqualTo(2);
        assertThat(err()).contains("security.requireAuth").contains("DEFAULT_USERNAME");

        errBytes.reset();
        assertThat(run(Map.of("DEFAULT_USERNAME", "u", "DEFAULT_PASSWORD", "p"), "--check-config"))
                .as(err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(out()).get("smtpPort").asInt()).isEqualTo(25);
        assertThat(err()).contains("built-in defaults");
    }

    @Test
    void invalidValueExitsTwoWithTheKeyAndNoStackTrace() throws Exception {
        Path file = write("bad.json", "{\"smtpPort\": 70000}");
        assertThat(run(Map.of(), "--config", file.toString(), "--check-config")).isEqualTo(2);
        assertThat(err()).startsWith("config error: ").contains("smtpPort")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out()).isEmpty();
    }

    @Test
    void configErrorAtNormalStartExitsTwoWithoutStartingAnything() throws Exception {
        Path file = write("bad.json", "{\"smtpPrt\": 25}");
        assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).startsWith("config error: ").contains("smtpPrt").doesNotContain("\tat ");
    }

    @Test
    void malformedJsonExitsTwo() throws Exception {
        Path file = write("bad.json", "{\"smtpPort\": ");
        assertThat(run(Map.of(), "--config", file.toString(), "--check-config")).isEqualTo(2);
        assertThat(err()).startsWith("config error: ").doesNotContain("\tat ");
    }

    @Test
    void missingExplicitFileExitsTwo() {
        assertThat(run(Map.of(), "--config", "nope.json", "--check-config")).isEqualTo(2);
        assertThat(err()).contains("nope.json").contains("does not exist");
    }

    @Test
    void missingConfigFileFromEnvironmentExitsTwo() {
        assertThat(run(Map.of("CONFIG_FILE", "/nonexistent/gw.json"), "--check-config")).isEqualTo(2);
        assertThat(err()).contains("/nonexistent/gw.json").contains("CONFIG_FILE");
    }

    @Test
    void directoryWhereTheFileShouldBeExitsTwo() throws Exception {
        Files.createDirectory(dir.resolve("config.json"));
        assertThat(run(Map.of("CONFIG_FILE", "config.json"), "--check-config")).isEqualTo(2);
        assertThat(err()).contains("is a directory");
    }

    @Test
    void openRelayIsRefusedWithHowToFixIt() throws Exception {
        Path file = write("open.json",
                "{\"security\": {\"allowLocalOnly\": false, \"requireAuth\": false}}");
        assertThat(run(Map.of(), "--config", file.toString(), "--check-config")).isEqualTo(2);
        assertThat(err()).contains("open relay");
    }

    @Test
    void shippedDevelopmentConfigIsValidAndLocal() throws Exception {
        Path shipped = Path.of("..", "config", "config.json").toAbsolutePath().normalize();
        assertThat(run(Map.of(), "--config", shipped.toString(), "--check-config")).as(err()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(out());
        assertThat(json.get("smtpPort").asInt()).isEqualTo(2525);
        assertThat(json.get("smtpHost").asText()).isEqualTo("127.0.0.1");
        assertThat(json.get("forwardSMTP").asBoolean()).isFalse();
        assertThat(json.get("healthCheckPort").asInt()).isEqualTo(8025);
        assertThat(json.get("emailsDir").asText()).isEqualTo("emails");
        assertThat(json.get("security").get("requireAuth").asBoolean()).isFalse();
        assertThat(json.get("security").get("allowLocalOnly").asBoolean()).isTrue();
    }

    @Test
    void shippedProductionExampleIsValidAndMasked() throws Exception {
        Path example = Path.of("..", "config", "config.example.json").toAbsolutePath().normalize();
        assertThat(run(Map.of(), "--config", example.toString(), "--check-config")).as(err()).isZero();
        assertThat(out()).doesNotContain("change-me", "secret-1", "secret-2");
        JsonNode json = JsonMapper.builder().build().readTree(out());
        assertThat(json.get("forwardSMTP").asBoolean()).isTrue();
        assertThat(json.get("forwardProviders")).hasSize(2);
        assertThat(json.get("rateLimits").get("enabled").asBoolean()).isTrue();
        assertThat(json.get("tls").get("certFile").asText()).isNotEmpty();
    }
}
