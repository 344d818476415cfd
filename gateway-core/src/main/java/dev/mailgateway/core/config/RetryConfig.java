package dev.mailgateway.core.config;

/**
 * Spec section 5: exponential back-off for temporary failures. Attempt n (1-based) is retried
 * after {@code initialDelayMs * multiplier^(n-1)}, capped at {@code maxDelayMs}, with jitter.
 * Messages in the failed store are re-sent every {@code failedRetryIntervalMs} (0 = never).
 *
 * <p>Only attempts that talked to an upstream count against {@code maxAttempts}; a message no
 * provider can take waits without using attempts. {@code maxAgeSec} bounds that wait: a message
 * undelivered for longer goes to the failed store even with attempts left. The default, 4 hours,
 * rides out a smarthost's maintenance window or a provider incident of a few hours while still
 * telling an operator (failed store, {@code /health} failed count) the same working day.
 */
public record RetryConfig(
        int maxAttempts, long initialDelayMs, long maxDelayMs, double multiplier,
        long failedRetryIntervalMs, long maxAgeSec) {

    /** Default of {@code retry.maxAgeSec}: 4 hours. */
    public static final long DEFAULT_MAX_AGE_SEC = 4 * 3600;

    /** The five original keys; {@code maxAgeSec} takes its default. */
    public RetryConfig(int maxAttempts, long initialDelayMs, long maxDelayMs, double multiplier,
                       long failedRetryIntervalMs) {
        this(maxAttempts, initialDelayMs, maxDelayMs, multiplier, failedRetryIntervalMs, DEFAULT_MAX_AGE_SEC);
    }

    public RetryConfig {
        Check.positive("retry.maxAttempts", maxAttempts);
        Check.nonNegative("retry.initialDelayMs", initialDelayMs);
        Check.nonNegative("retry.maxDelayMs", maxDelayMs);
        Check.atLeast("retry.multiplier", multiplier, 1.0);
        Check.nonNegative("retry.failedRetryIntervalMs", failedRetryIntervalMs);
        Check.positive("retry.maxAgeSec", maxAgeSec);
        if (maxDelayMs < initialDelayMs) {
            throw new ConfigException("retry.maxDelayMs must be >= retry.initialDelayMs ("
                    + initialDelayMs + "), got " + maxDelayMs);
        }
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final long DEFAULT_INITIAL_DELAY_MS = 1000;
    public static final long DEFAULT_MAX_DELAY_MS = 300_000;
    public static final double DEFAULT_MULTIPLIER = 2.0;
    public static final long DEFAULT_FAILED_RETRY_INTERVAL_MS = 600_000;

    public static RetryConfig defaults() {
        return new RetryConfig(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_DELAY_MS, DEFAULT_MAX_DELAY_MS,
                DEFAULT_MULTIPLIER, DEFAULT_FAILED_RETRY_INTERVAL_MS, DEFAULT_MAX_AGE_SEC);
    }

    /** The delay before attempt {@code attempt + 1}, after {@code attempt} attempts, without jitter. */
    public long delayAfterAttempt(int attempt) {
        double d = initialDelayMs * Math.pow(multiplier, Math.max(0, attempt - 1));
        return (long) Math.min(d, maxDelayMs);
    }
}
