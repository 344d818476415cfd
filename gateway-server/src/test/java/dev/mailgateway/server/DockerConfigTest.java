package dev.mailgateway.server;

import static dev.mailgateway.server.DockerFilesTest.composeEnvironment;
import static dev.mailgateway.server.DockerFilesTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgateway.core.config.Cidr;
import dev.mailgateway.core.config.ConfigException;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The container's configuration: compose env names are config keys, and image + compose env start. */
class DockerConfigTest {

    /** Environment names the compose file may use that are not config keys. */
    static final Set<String> LAUNCHER_ENV = Set.of("CONFIG_FILE", "JAVA_OPTS", "LOG_LEVEL");

    private static GatewayConfig containerConfig(Map<String, String> env) throws Exception {
        return ConfigLoader.fromJson(read("docker/config.json"), env).validateForStartup();
    }

    @Test
    void everyComposeEnvironmentNameIsAConfigKey() throws Exception {
        Set<String> known = new HashSet<>(ConfigLoader.envNames().values());
        known.addAll(LAUNCHER_ENV);
        assertThat(composeEnvironment("gateway").keySet()).isSubsetOf(known);
    }

    @Test
    void spec6EnvironmentExamplesAreConfigKeys() {
        // spec section 6: SMTP_HOST=0.0.0.0, SMTP_PORT=25, DEFAULT_USERNAME, DEFAULT_PASSWORD,
        // FORWARD_SMTP, FORWARD_HOST
        assertThat(ConfigLoader.envNames().values()).contains("SMTP_HOST", "SMTP_PORT",
                "DEFAULT_USERNAME", "DEFAULT_PASSWORD", "FORWARD_SMTP", "FORWARD_HOST");
    }

    @Test
    void imageConfigWithComposeEnvironmentIsAWorkingAuthenticatedRelay() throws Exception {
        GatewayConfig c = containerConfig(composeEnvironment("gateway"));

        assertThat(c.smtpHost()).isEqualTo("0.0.0.0");
        assertThat(c.smtpPort()).isEqualTo(25);
        assertThat(c.security().requireAuth()).isTrue();
        assertThat(c.security().allowLocalOnly()).isFalse();
        assertThat(c.hasInboundCredentials()).isTrue();
        assertThat(c.forwardSMTP()).isTrue();
        assertThat(c.effectiveProviders()).singleElement()
                .satisfies(p -> assertThat(p.address()).isEqualTo("mailpit:1025"));
        assertThat(c.emailsDir()).isEqualTo("/app/emails");
        assertThat(c.adminHost()).isEqualTo("0.0.0.0");
        // the published admin port is not open by default: /admin/* needs the (placeholder) token
        assertThat(c.admin().token()).isNotEmpty().isEqualTo(composeEnvironment("gateway").get("ADMIN_TOKEN"));
        // non-loopback clients get AUTH only after STARTTLS: the demo certificate's volume
        assertThat(c.tls().enabled()).isTrue();
        assertThat(c.tls().certFile()).startsWith("/app/tls/");
        assertThat(c.tls().keyFile()).startsWith("/app/tls/");
        // clients on the compose network and the host's published-port traffic (network gateway)
        assertThat(Cidr.anyContains(Cidr.parseAll("a", c.security().allowedNetworks()),
                InetAddress.getByName("172.28.0.1"))).isTrue();
        assertThat(Cidr.anyContains(Cidr.parseAll("a", c.security().allowedNetworks()),
                InetAddress.getByName("8.8.8.8"))).isFalse();
        // admin: the container itself (HEALTHCHECK over loopback) and the host only
        assertThat(Cidr.anyContains(Cidr.parseAll("a", c.security().adminAllowedNetworks()),
                InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(Cidr.anyContains(Cidr.parseAll("a", c.security().adminAllowedNetworks()),
                InetAddress.getByName("172.28.0.1"))).isTrue();
        assertThat(Cidr.anyContains(Cidr.parseAll("a", c.security().adminAllowedNetworks()),
                InetAddress.getByName("172.28.0.5"))).isFalse();
    }

    @Test
    void imageConfigWithoutCredentialsRefusesToStart() {
        assertThatThrownBy(() -> containerConfig(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("DEFAULT_USERNAME");
    }

    @Test
    void imageConfigWithOnlyCredentialsIsValid() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DEFAULT_USERNAME", "app");
        env.put("DEFAULT_PASSWORD", "pw");
        GatewayConfig c = containerConfig(env);
        assertThat(c.forwardSMTP()).isFalse();
        assertThat(c.security().requireAuth()).isTrue();
        assertThat(c.adminHost()).isEqualTo("127.0.0.1");
    }
}
