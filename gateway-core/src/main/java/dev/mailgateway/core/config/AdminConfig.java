package dev.mailgateway.core.config;

/**
 * Admin API: when {@code token} is non-empty, {@code /admin/*} needs {@code Authorization: Bearer <token>}.
 * {@code maxTokenFailures} missing or wrong tokens from one address within
 * {@code tokenFailureWindowSec} lock that address out of {@code /admin/*} (429) for
 * {@code tokenLockoutSec}.
 */
public record AdminConfig(String token, int maxTokenFailures, int tokenFailureWindowSec, int tokenLockoutSec) {

    public AdminConfig {
        token = Check.orEmpty(token);
        Check.positive("admin.maxTokenFailures", maxTokenFailures);
        Check.positive("admin.tokenFailureWindowSec", tokenFailureWindowSec);
        Check.positive("admin.tokenLockoutSec", tokenLockoutSec);
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final String DEFAULT_TOKEN = "";
    public static final int DEFAULT_MAX_TOKEN_FAILURES = 10;
    public static final int DEFAULT_TOKEN_FAILURE_WINDOW_SEC = 60;
    public static final int DEFAULT_TOKEN_LOCKOUT_SEC = 300;

    public static AdminConfig defaults() {
        return new AdminConfig(DEFAULT_TOKEN, DEFAULT_MAX_TOKEN_FAILURES, DEFAULT_TOKEN_FAILURE_WINDOW_SEC,
                DEFAULT_TOKEN_LOCKOUT_SEC);
    }

    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
