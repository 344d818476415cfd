package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SIGHUP and the scale-out keys: the limits and onError apply live, the Redis connection does not. */
class ScaleOutReloadTest {

    @Test
    void redisConnectionKeysNeedARestartButOnErrorAndTheLimitsDoNot() {
        assertThat(ConfigReloader.isReloadable("rateLimits.maxPerHour")).isTrue();
        assertThat(ConfigReloader.isReloadable("rateLimits.redis.onError")).isTrue();
        assertThat(ConfigReloader.isReloadable("rateLimits.redis.uri")).isFalse();
        assertThat(ConfigReloader.isReloadable("rateLimits.redis.keyPrefix")).isFalse();
        assertThat(ConfigReloader.isReloadable("rateLimits.redis.timeoutMs")).isFalse();
        assertThat(ConfigReloader.isReloadable("smtp.proxyProtocol")).isFalse();
        assertThat(ConfigReloader.isReloadable("smtp.proxyTrustedNetworks")).isFalse();
    }
}
