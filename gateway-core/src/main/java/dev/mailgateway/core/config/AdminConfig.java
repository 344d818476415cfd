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

    public static AdminConfig defaults() {
        return new AdminConfig("", 10, 60, 300);
    }

    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
