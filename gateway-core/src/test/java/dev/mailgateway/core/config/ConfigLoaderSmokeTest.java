package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConfigLoaderSmokeTest {

    @Test
    void emptyDocumentGivesTheSpecDefaults() {
        assertThat(ConfigLoader.fromJson("{}")).isEqualTo(GatewayConfig.defaults());
    }

    @Test
    void partialNestedDocumentKeepsOtherDefaults() {
        GatewayConfig c = ConfigLoader.fromJson("""
                { // comments are allowed
                  "smtpPort": 2525, "forwardSMTP": true, "forwardHost": "relay.example.com",
                  /* nested */ "rateLimits": {"enabled": true},
                  "forwardProviders": [{"host": "a.example.com", "priority": 2}]
                }""");
        assertThat(c.smtpPort()).isEqualTo(2525);
        assertThat(c.rateLimits().enabled()).isTrue();
        assertThat(c.rateLimits().maxPerHour()).isEqualTo(500);
        assertThat(c.forwardProviders().get(0).port()).isEqualTo(587);
        assertThat(c.effectiveProviders()).extracting(ProviderConfig::host).containsExactly("a.example.com");
    }

    @Test
    void unknownKeyIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtpPrt\": 1}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtpPrt");
    }
}
