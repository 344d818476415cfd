package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    private static final GatewayConfig D = GatewayConfig.defaults();

    @Test
    void emptyDocumentGivesTheDefaults() {
        assertThat(ConfigLoader.fromJson("{}")).isEqualTo(D);
        assertThat(ConfigLoader.fromJson("  { }  ", java.util.Map.of())).isEqualTo(D);
    }

    @Test
    void specTableDefaults() {
        // SPEC.md section 7, row by row.
        assertThat(D.smtpHost()).isEqualTo("127.0.0.1");
        assertThat(D.smtpPort()).isEqualTo(25);
        assertThat(D.defaultUsername()).isEmpty();
        assertThat(D.defaultPassword()).isEmpty();
        assertThat(D.forwardSMTP()).isFalse();
        assertThat(D.forwardHost()).isEmpty();
        assertThat(D.forwardPort()).isEqualTo(587);
        assertThat(D.forwardUsername()).isEmpty();
        assertThat(D.forwardPassword()).isEmpty();
        assertThat(D.forwardSSL()).isFalse();
        assertThat(D.batchSize()).isEqualTo(20);
        assertThat(D.batchDelay()).isEqualTo(1000);
        assertThat(D.continueOnError()).isTrue();
        assertThat(D.enableHealthCheck()).isTrue();
        assertThat(D.healthCheckPort()).isEqualTo(8025);
        assertThat(D.rateLimits()).isEqualTo(new RateLimitsConfig(false, 500, 2000, 1000, 5000));
        assertThat(D.security().allowLocalOnly()).isTrue();
        assertThat(D.security().logAllEmails()).isTrue();
        assertThat(D.security().requireAuth()).isTrue();
    }

    @Test
    void issueDefaultsBeyondTheSpecTable() {
        assertThat(D.workerCount()).isEqualTo(5);
        assertThat(D.queueSize()).isEqualTo(1000);
        assertThat(D.processingTimeout()).isEqualTo(300);
        assertThat(D.forwardProviders()).isEmpty();
        assertThat(D.emailsDir()).isEqualTo("emails");
        assertThat(D.adminHost()).isEqualTo("127.0.0.1");
        assertThat(D.retry()).isEqualTo(new RetryConfig(5, 1000, 300_000, 2.0, 600_000));
        assertThat(D.limits()).isEqualTo(new LimitsConfig(26_214_400L, 1000, 10_000, 200, 300));
        assertThat(D.spool().fsync()).isTrue();
        assertThat(D.spool().minFreeDiskMb()).isEqualTo(100);
        assertThat(D.tls().certFile()).isEmpty();
        assertThat(D.tls().keyFile()).isEmpty();
        assertThat(D.tls().enabled()).isFalse();
        assertThat(D.security().allowOpenRelay()).isFalse();
        assertThat(D.security().allowedNetworks()).isEmpty();
        assertThat(D.security().adminAllowedNetworks()).containsExactly("127.0.0.0/8", "::1/128");
        assertThat(D.admin().token()).isEmpty();
    }

    @Test
    void protocolAndRelayDefaults() {
        assertThat(D.smtp()).isEqualTo(new SmtpConfig("", 512, "normalize", 1000, 5, 300, 30, false, 0));
        assertThat(D.smtp().rejectBareLineFeed()).isFalse();
        assertThat(D.relay()).isEqualTo(new RelayConfig(30_000, 300, 300, 600, 4, 60, 60));
    }

    @Test
    void refusesRequireAuthWithoutCredentialsAndSaysHowToFix() {
        assertThatThrownBy(D::validateForStartup)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("security.requireAuth is true")
                .hasMessageContaining("DEFAULT_USERNAME")
                .hasMessageContaining("set security.requireAuth to false");
        GatewayConfig onlyUser = ConfigLoader.fromJson("{\"defaultUsername\": \"u\"}");
        assertThatThrownBy(onlyUser::validateForStartup).hasMessageContaining("defaultPassword is empty");
    }

    @Test
    void acceptsRequireAuthWithCredentials() {
        GatewayConfig c = ConfigLoader.fromJson("{\"defaultUsername\": \"u\", \"defaultPassword\": \"p\"}");
        assertThat(c.validateForStartup()).isSameAs(c);
        assertThat(c.hasInboundCredentials()).isTrue();
    }

    @Test
    void refusesAnOpenRelayUnlessExplicitlyAllowed() {
        GatewayConfig open = ConfigLoader.fromJson(
                "{\"security\": {\"allowLocalOnly\": false, \"requireAuth\": false}}");
        assertThatThrownBy(open::validateForStartup)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("open relay")
                .hasMessageContaining("set security.allowOpenRelay to true");
        GatewayConfig allowed = ConfigLoader.fromJson("{\"security\": {\"allowLocalOnly\": false, "
                + "\"requireAuth\": false, \"allowOpenRelay\": true, \"allowedNetworks\": [\"10.0.0.0/8\"]}}");
        assertThat(allowed.validateForStartup()).isSameAs(allowed);
    }

    @Test
    void localOnlyWithoutAuthIsFine() {
        GatewayConfig dev = ConfigLoader.fromJson("{\"smtpPort\": 2525, \"security\": {\"requireAuth\": false}}");
        assertThat(dev.validateForStartup()).isSameAs(dev);
    }

    @Test
    void refusesForwardingWithoutAHost() {
        GatewayConfig c = ConfigLoader.fromJson(
                "{\"forwardSMTP\": true, \"security\": {\"requireAuth\": false}}");
        assertThatThrownBy(c::validateForStartup)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("forwardSMTP is true but forwardHost is empty")
                .hasMessageContaining("set forwardHost (env FORWARD_HOST)")
                .hasMessageContaining("set forwardSMTP to false");
        GatewayConfig withProviders = ConfigLoader.fromJson("{\"forwardSMTP\": true, "
                + "\"security\": {\"requireAuth\": false}, \"forwardProviders\": [{\"host\": \"a.example\"}]}");
        assertThat(withProviders.validateForStartup()).isSameAs(withProviders);
    }

    @Test
    void effectiveProvidersFollowForwardSmtpAndPriority() {
        assertThat(D.effectiveProviders()).isEmpty();
        GatewayConfig single = ConfigLoader.fromJson("{\"forwardSMTP\": true, \"forwardHost\": \"relay.example\", "
                + "\"forwardPort\": 465, \"forwardSSL\": true, \"forwardUsername\": \"u\", \"forwardPassword\": \"p\"}");
        assertThat(single.effectiveProviders())
                .containsExactly(new ProviderConfig("relay.example", 465, "u", "p", true, 0, false));
        GatewayConfig many = ConfigLoader.fromJson("{\"forwardSMTP\": true, \"forwardHost\": \"ignored.example\", "
                + "\"forwardProviders\": [{\"host\": \"b.example\", \"priority\": 2}, {\"host\": \"a.example\", \"priority\": 1}]}");
        assertThat(many.effectiveProviders()).extracting(ProviderConfig::host)
                .containsExactly("a.example", "b.example");
    }

    @Test
    void toStringMasksEveryPasswordAndToken() {
        GatewayConfig c = ConfigLoader.fromJson("""
                {"defaultUsername": "alice", "defaultPassword": "s3cret-in",
                 "forwardUsername": "bob", "forwardPassword": "s3cret-out",
                 "forwardProviders": [{"host": "a.example", "username": "carol", "password": "s3cret-prov"}],
                 "admin": {"token": "s3cret-token"}}""");
        String s = c.toString();
        assertThat(s).doesNotContain("s3cret")
                .contains("defaultPassword=****", "forwardPassword=****", "password=****", "token=****")
                .contains("defaultUsername=alice", "forwardUsername=bob", "username=carol", "host=a.example");
        assertThat(c.forwardProviders().get(0).toString()).doesNotContain("s3cret");
        assertThat(c.admin().toString()).isEqualTo("AdminConfig[token=****]");
    }

    @Test
    void toStringShowsEmptySecretsAsEmpty() {
        assertThat(D.toString()).contains("defaultPassword=,", "forwardPassword=,").doesNotContain("****");
        assertThat(new ProviderConfig("h", 25, "", "", false, 0, false).toString()).contains("password=,");
    }

    @Test
    void recordsAreImmutable() {
        GatewayConfig c = ConfigLoader.fromJson("{\"forwardProviders\": [{\"host\": \"a.example\"}], "
                + "\"security\": {\"allowedNetworks\": [\"10.0.0.0/8\"]}}");
        assertThatThrownBy(() -> c.forwardProviders().add(ProviderConfig.template()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.security().allowedNetworks().add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        List<String> mine = new java.util.ArrayList<>(List.of("10.0.0.0/8"));
        SecurityConfig s = new SecurityConfig(true, true, true, false, mine, null);
        mine.add("11.0.0.0/8");
        assertThat(s.allowedNetworks()).containsExactly("10.0.0.0/8");
    }
}
