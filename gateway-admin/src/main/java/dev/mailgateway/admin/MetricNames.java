package dev.mailgateway.admin;

/**
 * The registry names (without the {@code mail_gateway.} prefix) that admin reads and reports.
 * Admin depends on no other module, so it names them here; each is declared as a constant by
 * the module that registers it ({@code SmtpMetrics} in gateway-smtp, {@code RelayMetrics} in
 * gateway-relay, {@code SpoolMetrics} and {@code GatewayMetrics.QUEUE_*} in gateway-core), and
 * gateway-server's {@code MetricsNameSetTest} checks that a running gateway has every one.
 * A name nobody registered reads as 0 (or null for a gauge).
 */
final class MetricNames {

    // gateway-smtp (SmtpMetrics)
    static final String EMAILS_ACCEPTED = "emails.accepted";
    static final String RECIPIENTS_ACCEPTED = "recipients.accepted";
    static final String RATE_LIMITED = "smtp.rate_limited";
    static final String CONNECTIONS_REJECTED = "smtp.connections.rejected";
    static final String AUTH_FAILURES = "smtp.auth.failures";
    static final String CONNECTIONS_OPEN = "smtp.connections.open";
    static final String ACCEPT_LATENCY = "smtp.accept.latency";
    // gateway-relay (RelayMetrics)
    static final String EMAILS_DELIVERED = "emails.delivered";
    static final String EMAILS_FAILED = "emails.failed";
    static final String EMAILS_DEFERRED = "emails.deferred";
    static final String RECIPIENTS_DELIVERED = "recipients.delivered";
    static final String RECIPIENTS_FAILED = "recipients.failed";
    static final String PROCESSING_TIME = "emails.processing.time";
    static final String RETRY_WAITING = "relay.retry.waiting";
    static final String WAITING_PROVIDER = "relay.waiting.provider";
    static final String PROVIDERS = "relay.providers";
    static final String PROVIDER_LATENCY = "relay.provider.latency.";
    // gateway-core (SpoolMetrics, GatewayMetrics)
    static final String SPOOL_APPENDS = "spool.appends";
    static final String SPOOL_FSYNCS = "spool.fsyncs";
    static final String SPOOL_WRITE_ERRORS = "spool.write.errors";
    static final String SPOOL_LIVE = "spool.live";
    static final String DISK_FREE_MB = "spool.disk.free_mb";
    static final String FAILED_STORED = "failed.stored";
    static final String QUEUE_DEPTH = "queue.depth";
    static final String QUEUE_OVERFLOW = "queue.overflow";

    private MetricNames() {
    }
}
