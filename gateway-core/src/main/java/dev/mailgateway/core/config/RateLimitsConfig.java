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

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final boolean DEFAULT_ENABLED = false;
    public static final int DEFAULT_MAX_PER_HOUR = 500;
    public static final int DEFAULT_MAX_PER_DAY = 2000;
    public static final int DEFAULT_GLOBAL_MAX_PER_HOUR = 1000;
    public static final int DEFAULT_GLOBAL_MAX_PER_DAY = 5000;

    public static RateLimitsConfig defaults() {
        return new RateLimitsConfig(DEFAULT_ENABLED, DEFAULT_MAX_PER_HOUR, DEFAULT_MAX_PER_DAY,
                DEFAULT_GLOBAL_MAX_PER_HOUR, DEFAULT_GLOBAL_MAX_PER_DAY,
                RedisRateLimitsConfig.defaults());
    }
}
