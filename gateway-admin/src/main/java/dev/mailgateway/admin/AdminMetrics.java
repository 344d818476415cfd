package dev.mailgateway.admin;

import com.codahale.metrics.Counter;
import dev.mailgateway.core.metrics.GatewayMetrics;

/**
 * The admin server's own metrics on the shared registry (names without the
 * {@code mail_gateway.} prefix); get-or-create like every module's.
 */
public final class AdminMetrics {

    public static final String AUTH_FAILURES = "admin.auth.failures";
    public static final String THROTTLED = "admin.auth.throttled";

    /** Admin requests refused for a missing or wrong bearer token. */
    public final Counter adminAuthFailures;
    /** Admin requests answered 429 because their address is locked out after too many token failures. */
    public final Counter adminThrottled;

    public AdminMetrics(GatewayMetrics metrics) {
        adminAuthFailures = metrics.counter(AUTH_FAILURES);
        adminThrottled = metrics.counter(THROTTLED);
    }
}
