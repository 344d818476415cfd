package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Issue #14 point 1: outbound TLS levels and how forwardSSL / ssl / requireStartTls map onto them. */
class TlsLevelConfigTest {

    private static ProviderConfig single(String json) {
        return ConfigLoader.fromJson(json).effectiveProviders().get(0);
    }

    @Test
    void legacyKeysMapOntoLevels() {
        assertThat(single("{\"forwardSMTP\": true, \"forwardHost\": \"h\"}").effectiveTlsLevel())
                .isEqualTo(TlsLevel.DEFAULT);
        assertThat(single("{\"forwardSMTP\": true, \"forwardHost\": \"h\", \"forwardSSL\": true}").effectiveTlsLevel())
                .isEqualTo(TlsLevel.VERIFY);
        assertThat(single("{\"forwardSMTP\": true, \"forwardProviders\": [{\"host\": \"h\", \"requireStartTls\": true}]}")
                .effectiveTlsLevel()).isEqualTo(TlsLevel.VERIFY);
    }

    @Test
    void globalLevelAndCaFileAreTheDefaultForEveryProvider() {
        ProviderConfig p = single("""
                {"forwardSMTP": true, "forwardTlsLevel": "encrypt", "forwardTlsCaFile": "/ca.pem",
                 "forwardProviders": [{"host": "h"}]}""");
        assertThat(p.effectiveTlsLevel()).isEqualTo(TlsLevel.ENCRYPT);
        assertThat(p.tlsCaFile()).isEqualTo("/ca.pem");
        assertThat(p.tlsLevelExplicit()).isTrue();
        ProviderConfig own = single("""
                {"forwardSMTP": true, "forwardTlsLevel": "encrypt",
                 "forwardProviders": [{"host": "h", "tlsLevel": "MAY", "tlsCaFile": "/own.pem"}]}""");
        assertThat(own.effectiveTlsLevel()).isEqualTo(TlsLevel.MAY);
        assertThat(own.tlsCaFile()).isEqualTo("/own.pem");
    }

    @Test
    void badLevelsAndContradictionsNameTheKey() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"forwardTlsLevel\": \"secure\"}"))
                .hasMessageContaining("forwardTlsLevel must be one of");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"forwardTlsLevel\": \"none\", \"forwardSSL\": true}"))
                .hasMessageContaining("forwardTlsLevel is \"none\" but ssl");
        assertThatThrownBy(() -> ConfigLoader.fromJson(
                "{\"forwardProviders\": [{\"host\": \"h\", \"tlsLevel\": \"may\", \"requireStartTls\": true}]}"))
                .hasMessageContaining("tlsLevel").hasMessageContaining("requireStartTls");
        assertThatThrownBy(() -> ConfigLoader.fromJson(
                "{\"forwardTlsLevel\": \"none\", \"forwardProviders\": [{\"host\": \"h\", \"ssl\": true}]}"))
                .hasMessageContaining("forwardProviders[0].tlsLevel (or forwardTlsLevel)");
    }
}
