package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scale-out keys (issue 16): smtp.proxyProtocol / proxyTrustedNetworks and rateLimits.redis.*. */
class ScaleOutConfigTest {

    @Test
    void defaultsAreOffAndLocal() {
        GatewayConfig c = ConfigLoader.fromJson("{}");
        assertThat(c.smtp().proxyProtocol()).isFalse();
        assertThat(c.smtp().proxyTrustedNetworks()).isEmpty();
        assertThat(c.rateLimits().redis().enabled()).isFalse();
        assertThat(c.rateLimits().redis().keyPrefix()).isEqualTo("mail-gateway:rl:");
        assertThat(c.rateLimits().redis().timeoutMs()).isEqualTo(250);
        assertThat(c.rateLimits().redis().onError()).isEqualTo("local");
    }

    @Test
    void environmentNamesAreTheOnesTheDockerClusterUses() {
        Map<String, String> env = ConfigLoader.envNames();
        assertThat(env).containsEntry("smtp.proxyProtocol", "SMTP_PROXY_PROTOCOL")
                .containsEntry("smtp.proxyTrustedNetworks", "SMTP_PROXY_TRUSTED_NETWORKS")
                .containsEntry("rateLimits.redis.uri", "RATE_LIMITS_REDIS_URI")
                .containsEntry("rateLimits.redis.keyPrefix", "RATE_LIMITS_REDIS_KEY_PREFIX")
                .containsEntry("rateLimits.redis.onError", "RATE_LIMITS_REDIS_ON_ERROR");
        GatewayConfig c = ConfigLoader.fromJson("{}", Map.of("SMTP_PROXY_PROTOCOL", "true",
                "SMTP_PROXY_TRUSTED_NETWORKS", "10.0.0.0/8, 172.16.0.5",
                "RATE_LIMITS_REDIS_URI", "redis://redis:6379/0", "RATE_LIMITS_REDIS_ON_ERROR", "reject"));
        assertThat(c.smtp().proxyProtocol()).isTrue();
        assertThat(c.smtp().proxyTrustedNetworks()).isEqualTo(List.of("10.0.0.0/8", "172.16.0.5"));
        assertThat(c.rateLimits().redis().uri()).isEqualTo("redis://redis:6379/0");
        assertThat(c.rateLimits().redis().onError()).isEqualTo("reject");
    }

    @Test
    void proxyProtocolNeedsTrustedNetworks() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtp\": {\"proxyProtocol\": true}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp.proxyTrustedNetworks is empty");
        assertThatThrownBy(() -> ConfigLoader.fromJson(
                "{\"smtp\": {\"proxyProtocol\": true, \"proxyTrustedNetworks\": [\"balancer.example\"]}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp.proxyTrustedNetworks");
    }

    @Test
    void badRedisValuesNameTheKey() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"rateLimits\": {\"redis\": {\"uri\": \"http://x:6379\"}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rateLimits.redis.uri");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"rateLimits\": {\"redis\": {\"onError\": \"ignore\"}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rateLimits.redis.onError");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"rateLimits\": {\"redis\": {\"timeoutMs\": 0}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rateLimits.redis.timeoutMs");
    }

    @Test
    void aPasswordInTheRedisUriIsNotPrinted() {
        GatewayConfig c = ConfigLoader.fromJson(
                "{\"rateLimits\": {\"redis\": {\"uri\": \"redis://:s3cret@10.0.0.9:6379/0\"}}}");
        assertThat(c.rateLimits().toString()).doesNotContain("s3cret").contains("redis://****@10.0.0.9:6379/0");
        assertThat(ConfigLoader.toMaskedJson(c)).doesNotContain("s3cret");
    }
}
