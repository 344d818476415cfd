package dev.mailgateway.core.health;

import java.util.List;

/**
 * One part of the gateway's health. {@code GET /health} is "ok" when every check returns no
 * problems and "degraded" (503) otherwise, listing them. Must be cheap and thread-safe: it is
 * called on the admin server's event loop.
 */
@FunctionalInterface
public interface HealthCheck {

    /** Human-readable problems, e.g. "free disk 80 MB is under spool.minFreeDiskMb 100"; empty when healthy. */
    List<String> problems();

    /**
     * Extra entries for {@code details} of {@code GET /health} (e.g. the relay's providers with
     * their TLS level), whatever the status; values must serialise to JSON. None by default.
     */
    default java.util.Map<String, Object> details() {
        return java.util.Map.of();
    }
}
