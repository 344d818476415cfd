package dev.mailgateway.core.config;

/**
 * Spec section 5: exponential back-off for temporary failures. Attempt n (1-based) is retried
 * after {@code initialDelayMs * multiplier^(n-1)}, capped at {@code maxDelayMs}, with jitter.
 * Messages in the failed store are re-sent every {@code failedRetryIntervalMs} (0 = never).
 */
public record RetryConfig(
        int maxAttempts, long initialDelayMs, long maxDelayMs, double multiplier,
        long failedRetryIntervalMs) {

    public RetryConfig {
        Check.positive("retry.maxAttempts", maxAttempts);
        Check.nonNegative("retry.initialDelayMs", initialDelayMs);
        Check.nonNegative("retry.maxDelayMs", maxDelayMs);
        Check.atLeast("retry.multiplier", multiplier, 1.0);
        Check.nonNegative("retry.failedRetryIntervalMs", failedRetryIntervalMs);
        if (maxDelayMs < initialDelayMs) {
            throw new ConfigException("retry.maxDelayMs must be >= retry.initialDelayMs ("
                    + initialDelayMs + "), got " + maxDelayMs);
        }
    }

    public static RetryConfig defaults() {
        return new RetryConfig(5, 1000, 300_000, 2.0, 600_000);
    }

    /** The delay before attempt {@code attempt + 1}, after {@code attempt} attempts, without jitter. */
    public long delayAfterAttempt(int attempt) {
        double d = initialDelayMs * Math.pow(multiplier, Math.max(0, attempt - 1));
        return (long) Math.min(d, maxDelayMs);
    }
}
