package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ReloadableSettings;
import org.junit.jupiter.api.Test;

/** SIGHUP and the scale-out keys: the limits and onError apply live, the Redis connection does not. */
class ScaleOutReloadTest {

    @Test
    void redisConnectionKeysNeedARestartButOnErrorAndTheLimitsDoNot() {
        assertThat(ReloadableSettings.isReloadable("rateLimits.maxPerHour")).isTrue();
        assertThat(ReloadableSettings.isReloadable("rateLimits.redis.onError")).isTrue();
        assertThat(ReloadableSettings.isReloadable("rateLimits.redis.uri")).isFalse();
        assertThat(ReloadableSettings.isReloadable("rateLimits.redis.keyPrefix")).isFalse();
        assertThat(ReloadableSettings.isReloadable("rateLimits.redis.timeoutMs")).isFalse();
        assertThat(ReloadableSettings.isReloadable("smtp.proxyProtocol")).isFalse();
        assertThat(ReloadableSettings.isReloadable("smtp.proxyTrustedNetworks")).isFalse();
    }
}
