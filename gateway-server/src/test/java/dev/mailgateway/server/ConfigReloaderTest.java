package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigReload;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ReloadableSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReloaderTest {

    private static final String BASE = """
            {"smtpPort": 2525, "security": {"requireAuth": false},
             "rateLimits": {"enabled": true, "maxPerHour": 10},
             "batchSize": 20, "workerCount": 5}""";

    @TempDir
    Path dir;

    private Path file;
    private ConfigSource source;
    private LiveConfig live;
    /** The config before the reload: an applied reload replaces it, any other leaves this very instance. */
    private GatewayConfig before;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("config.json");
        Files.writeString(file, BASE);
        source = ConfigSource.resolve(file, Map.of(), dir);
        live = new LiveConfig(source.load());
        before = live.current();
    }

    private ConfigReload.Result reloadWith(String json) throws Exception {
        Files.writeString(file, json);
        return new ConfigReloader(source, live).reload();
    }

    @Test
    void appliesRateLimitChange() throws Exception {
        ConfigReload.Result r = reloadWith(BASE.replace("\"maxPerHour\": 10", "\"maxPerHour\": 99"));

        assertThat(r.error()).isNull();
        assertThat(r.applied()).containsExactly("rateLimits.maxPerHour");
        assertThat(r.needRestart()).isEmpty();
        assertThat(live.current().rateLimits().maxPerHour()).isEqualTo(99);
        assertThat(live.current()).isNotSameAs(before);
    }

    @Test
    void restartOnlyChangesAreNamedAndNotApplied() throws Exception {
        ConfigReload.Result r = reloadWith(BASE.replace("2525", "2526").replace("\"workerCount\": 5",
                "\"workerCount\": 7, \"emailsDir\": \"elsewhere\""));

        assertThat(r.applied()).isEmpty();
        assertThat(r.needRestart()).containsExactlyInAnyOrder("smtpPort", "workerCount", "emailsDir");
        assertThat(live.current().smtpPort()).isEqualTo(2525);
        assertThat(live.current().workerCount()).isEqualTo(5);
        assertThat(live.current()).isSameAs(before);
    }

    @Test
    void mixedChangeAppliesOnlyTheReloadablePart() throws Exception {
        ConfigReload.Result r = reloadWith(BASE.replace("2525", "2600")
                .replace("\"batchSize\": 20", "\"batchSize\": 7, \"defaultUsername\": \"u\","
                        + " \"defaultPassword\": \"p\", \"retry\": {\"maxAttempts\": 9},"
                        + " \"tls\": {\"certFile\": \"c.pem\", \"keyFile\": \"k.pem\"}"));

        assertThat(r.applied()).containsExactlyInAnyOrder("batchSize", "defaultUsername",
                "defaultPassword", "retry.maxAttempts");
        assertThat(r.needRestart()).containsExactlyInAnyOrder("smtpPort", "tls.certFile", "tls.keyFile");
        GatewayConfig now = live.current();
        assertThat(now.batchSize()).isEqualTo(7);
        assertThat(now.defaultPassword()).isEqualTo("p");
        assertThat(now.retry().maxAttempts()).isEqualTo(9);
        assertThat(now.smtpPort()).isEqualTo(2525);
        assertThat(now.tls().enabled()).isFalse();
    }

    @Test
    void providersAreReloadableAsOneKey() throws Exception {
        String forwarding = BASE.replace("\"batchSize\": 20", "\"batchSize\": 20, \"forwardSMTP\": true,"
                + " \"forwardProviders\": [{\"host\": \"a.example.com\"}]");
        Files.writeString(file, forwarding);
        live = new LiveConfig(source.load());

        ConfigReload.Result r = reloadWith(forwarding.replace("a.example.com", "b.example.com"));

        assertThat(r.applied()).containsExactly("forwardProviders");
        assertThat(live.current().effectiveProviders().get(0).host()).isEqualTo("b.example.com");
    }

    @Test
    void invalidFileKeepsTheRunningConfig() throws Exception {
        GatewayConfig before = live.current();
        ConfigReload.Result r = reloadWith("{\"rateLimits\": {\"maxPerHour\": -1}}");

        assertThat(r.error()).contains("rateLimits.maxPerHour");
        assertThat(live.current()).isSameAs(before);
        assertThat(live.current()).isSameAs(before);
    }

    @Test
    void malformedFileKeepsTheRunningConfig() throws Exception {
        GatewayConfig before = live.current();
        ConfigReload.Result r = reloadWith("{\"rateLimits\": ");

        assertThat(r.error()).isNotNull();
        assertThat(live.current()).isSameAs(before);
    }

    @Test
    void noChangeAppliesNothing() throws Exception {
        ConfigReload.Result r = reloadWith(BASE);
        assertThat(r.applied()).isEmpty();
        assertThat(r.needRestart()).isEmpty();
        assertThat(live.current()).isSameAs(before);
    }

    @Test
    void classifiesKeys() {
        assertThat(ReloadableSettings.isReloadable("rateLimits.globalMaxPerDay")).isTrue();
        assertThat(ReloadableSettings.isReloadable("retry.failedRetryIntervalMs")).isTrue();
        assertThat(ReloadableSettings.isReloadable("forwardPassword")).isTrue();
        assertThat(ReloadableSettings.isReloadable("smtpHost")).isFalse();
        assertThat(ReloadableSettings.isReloadable("queueSize")).isFalse();
        assertThat(ReloadableSettings.isReloadable("security.allowedNetworks")).isFalse();
        assertThat(ReloadableSettings.isReloadable("security.logAllEmails")).isTrue();
        assertThat(ReloadableSettings.isReloadable("relay.commandTimeoutSec")).isTrue();
        assertThat(ReloadableSettings.isReloadable("processingTimeout")).isTrue();
        assertThat(ReloadableSettings.isReloadable("forwardSMTP")).isFalse();
        assertThat(ReloadableSettings.isReloadable("tls.certFile")).isFalse();
        assertThat(ReloadableSettings.isReloadable("rateLimitsX")).isFalse();
    }
}
