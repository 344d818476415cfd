package dev.mailgateway.core.config;

/**
 * Spec section 4: per-sender and global message limits, checked at MAIL FROM. {@code redis}
 * shares the windows between several gateways (empty {@code redis.uri} = this node's own windows).
 */
public record RateLimitsConfig(
        boolean enabled, int maxPerHour, int maxPerDay, int globalMaxPerHour, int globalMaxPerDay,
        RedisRateLimitsConfig redis) {

    public RateLimitsConfig {
        Check.positive("rateLimits.maxPerHour", maxPerHour);
        Check.positive("rateLimits.maxPerDay", maxPerDay);
        Check.positive("rateLimits.globalMaxPerHour", globalMaxPerHour);
        Check.positive("rateLimits.globalMaxPerDay", globalMaxPerDay);
        redis = redis == null ? RedisRateLimitsConfig.defaults() : redis;
    }

    /** Local windows only (no Redis). */
    public RateLimitsConfig(boolean enabled, int maxPerHour, int maxPerDay, int globalMaxPerHour,
            int globalMaxPerDay) {
        this(enabled, maxPerHour, maxPerDay, globalMaxPerHour, globalMaxPerDay, RedisRateLimitsConfig.defaults());
    }

    public static RateLimitsConfig defaults() {
        return new RateLimitsConfig(false, 500, 2000, 1000, 5000, RedisRateLimitsConfig.defaults());
    }
}
