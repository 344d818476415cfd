package dev.mailgateway.core.config;

/** Spec section 4: per-sender and global message limits, checked at MAIL FROM. */
public record RateLimitsConfig(
        boolean enabled, int maxPerHour, int maxPerDay, int globalMaxPerHour, int globalMaxPerDay) {

    public RateLimitsConfig {
        Check.positive("rateLimits.maxPerHour", maxPerHour);
        Check.positive("rateLimits.maxPerDay", maxPerDay);
        Check.positive("rateLimits.globalMaxPerHour", globalMaxPerHour);
        Check.positive("rateLimits.globalMaxPerDay", globalMaxPerDay);
    }

    public static RateLimitsConfig defaults() {
        return new RateLimitsConfig(false, 500, 2000, 1000, 5000);
    }
}
