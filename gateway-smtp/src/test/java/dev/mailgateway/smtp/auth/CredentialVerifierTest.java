package dev.mailgateway.smtp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.ReloadableSettings;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CredentialVerifierTest {

    private final AtomicReference<ReloadableSettings> config = new AtomicReference<>(ReloadableSettings.of(
            ConfigLoader.fromJson("{\"defaultUsername\": \"app\", \"defaultPassword\": \"s3cret\"}")));
    private final CredentialVerifier verifier = new CredentialVerifier(config::get);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void acceptsOnlyTheConfiguredPair() {
        assertThat(verifier.verify("app", b("s3cret"))).isTrue();
        assertThat(verifier.verify("app", b("s3cret "))).isFalse();
        assertThat(verifier.verify("App", b("s3cret"))).isFalse();
        assertThat(verifier.verify("app", b(""))).isFalse();
        assertThat(verifier.verify("", b("s3cret"))).isFalse();
    }

    @Test
    void aReloadAppliesAtOnce() {
        config.set(ReloadableSettings.of(ConfigLoader.fromJson("{\"defaultUsername\": \"app\", \"defaultPassword\": \"new\"}")));
        assertThat(verifier.verify("app", b("s3cret"))).isFalse();
        assertThat(verifier.verify("app", b("new"))).isTrue();
    }

    @Test
    void nothingConfiguredNothingAccepted() {
        config.set(ReloadableSettings.of(ConfigLoader.fromJson("{}")));
        assertThat(verifier.configured()).isFalse();
        assertThat(verifier.verify("", b(""))).isFalse();
    }
}
