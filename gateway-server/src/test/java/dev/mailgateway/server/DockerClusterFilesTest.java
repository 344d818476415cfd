package dev.mailgateway.server;

import static dev.mailgateway.server.DockerFilesTest.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.Cidr;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The cluster stack (docker/cluster/: HAProxy + two gateways + Redis) checked without an engine;
 * docker/verify.sh runs it for real. Both gateways take their settings from the compose file's
 * {@code x-gateway} block.
 */
class DockerClusterFilesTest {

    static final String COMPOSE = "docker/cluster/docker-compose.yml";

    /** The {@code environment:} of the {@code x-gateway} block, ${VAR:-default} → default. */
    static Map<String, String> gatewayEnvironment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        boolean inBlock = false;
        boolean inEnv = false;
        for (String line : read(COMPOSE).split("\n")) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            String t = line.strip();
            if (indent == 0) {
                inBlock = t.startsWith("x-gateway:");
                inEnv = false;
            } else if (inBlock && indent == 2) {
                inEnv = t.equals("environment:");
            } else if (inEnv && indent == 4) {
                int colon = t.indexOf(':');
                String value = t.substring(colon + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                env.put(t.substring(0, colon), value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1"));
            }
        }
        assertThat(env).as("environment of x-gateway in %s", COMPOSE).isNotEmpty();
        return env;
    }

    @Test
    void everyGatewayEnvironmentNameIsAConfigKey() throws IOException {
        Set<String> known = new HashSet<>(ConfigLoader.envNames().values());
        known.addAll(DockerConfigTest.LAUNCHER_ENV);
        assertThat(gatewayEnvironment().keySet()).isSubsetOf(known);
    }

    @Test
    void gatewayEnvironmentTurnsOnProxyProtocolForHaproxyOnlyAndRedisLimits() throws IOException {
        Map<String, String> env = gatewayEnvironment();
        String compose = read(COMPOSE);
        Matcher ip = Pattern.compile("ipv4_address: \\$\\{CLUSTER_HAPROXY_IP:-([0-9.]+)}").matcher(compose);
        assertThat(ip.find()).as("HAProxy has a fixed address").isTrue();
        assertThat(env).containsEntry("SMTP_PROXY_PROTOCOL", "true")
                .containsEntry("SMTP_PROXY_TRUSTED_NETWORKS", ip.group(1) + "/32")
                .containsEntry("RATE_LIMITS_ENABLED", "true")
                .containsEntry("RATE_LIMITS_REDIS_URI", "redis://redis:6379/0")
                .containsEntry("RATE_LIMITS_REDIS_ON_ERROR", "local")
                .containsKey("RATE_LIMITS_REDIS_KEY_PREFIX")
                .containsEntry("FORWARD_HOST", "mailpit");
        // HAProxy's address lies in the cluster subnet, which is what the gateways accept
        Matcher subnet = Pattern.compile("subnet: \\$\\{CLUSTER_SUBNET:-([0-9./]+)}").matcher(compose);
        assertThat(subnet.find()).isTrue();
        assertThat(env).containsEntry("SECURITY_ALLOWED_NETWORKS", subnet.group(1));
        assertThat(Cidr.anyContains(Cidr.parseAll("s", List.of(subnet.group(1))),
                InetAddress.getByName(ip.group(1)))).isTrue();
        // the same image, health check, memory bounds and token as the demo stack
        assertThat(compose).contains("dockerfile: docker/Dockerfile").contains("mem_limit: 1g")
                .contains("network_mode: none").doesNotContain("\nname:").contains("\"healthcheck\"]");
        assertThat(env.get("JAVA_OPTS")).isEqualTo(DockerFilesTest.composeEnvironment("gateway").get("JAVA_OPTS"));
        assertThat(env.get("ADMIN_TOKEN")).isEqualTo(DockerFilesTest.composeEnvironment("gateway").get("ADMIN_TOKEN"));
        assertThat(read("docker/cluster/.env").lines()).contains("COMPOSE_PROJECT_NAME=mail-gateway-cluster");
    }

    @Test
    void twoGatewaysFromTheSameBlockEachWithItsOwnSpool() throws IOException {
        String compose = read(COMPOSE);
        for (String node : List.of("gateway-a", "gateway-b")) {
            assertThat(compose).contains("  " + node + ":\n    <<: *gateway\n")
                    .contains("- " + node + "-emails:/app/emails");
        }
        assertThat(compose).contains("image: haproxy:").contains("image: redis:")
                .contains("./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    }

    /** HAProxy: TCP, PROXY v2 to the gateways, an SMTP check that sends the PROXY header too. */
    @Test
    void haproxyConfigSpeaksTcpProxyV2AndChecksSmtp() throws IOException {
        String cfg = read("docker/cluster/haproxy.cfg");
        assertThat(cfg).contains("mode tcp").contains("option smtpchk")
                .containsPattern("default-server .*send-proxy-v2")
                .containsPattern("default-server .*check-send-proxy")
                .contains("server gateway-a gateway-a:25").contains("server gateway-b gateway-b:25");
        Matcher bind = Pattern.compile("frontend smtp\\n\\s+bind :(\\d+)").matcher(cfg);
        assertThat(bind.find()).isTrue();
        assertThat(read(COMPOSE)).contains(":" + bind.group(1) + "\"");
    }

    /** docker/config.json with the cluster environment: PROXY protocol from HAProxy only, limits in Redis. */
    @Test
    void imageConfigWithClusterEnvironmentStarts() throws Exception {
        Map<String, String> env = new HashMap<>(gatewayEnvironment());
        env.remove("JAVA_OPTS");
        GatewayConfig c = ConfigLoader.fromJson(read("docker/config.json"), env).validateForStartup();
        assertThat(c.smtp().proxyProtocol()).isTrue();
        assertThat(c.smtp().proxyTrustedNetworks()).containsExactly(env.get("SMTP_PROXY_TRUSTED_NETWORKS"));
        assertThat(c.rateLimits().redis().uri()).isEqualTo("redis://redis:6379/0");
        assertThat(c.rateLimits().redis().onError()).isEqualTo("local");
        assertThat(c.rateLimits().redis().keyPrefix()).isEqualTo(env.get("RATE_LIMITS_REDIS_KEY_PREFIX"));
        assertThat(c.rateLimits().enabled()).isTrue();
        assertThat(c.forwardSMTP()).isTrue();
        assertThat(c.tls().enabled()).isTrue();
        assertThat(c.admin().token()).isNotEmpty();
    }

    @Test
    void verifyScriptSkipsTheClusterWhenTheGatewayLacksProxyProtocol() throws IOException {
        String verify = read("docker/verify.sh");
        assertThat(verify).startsWith("#!/usr/bin/env bash").contains("trap cleanup EXIT")
                .contains("\"proxyProtocol\"").contains("skip \"cluster:")
                .contains("passed, $fails failed");
        assertThat(read(".ci/run")).doesNotContain("verify.sh");
    }
}
