package dev.mailgateway.core.config;

/** Admin API: when {@code token} is non-empty, {@code /admin/*} needs {@code Authorization: Bearer <token>}. */
public record AdminConfig(String token) {

    public AdminConfig {
        token = Check.orEmpty(token);
    }

    public static AdminConfig defaults() {
        return new AdminConfig("");
    }

    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
