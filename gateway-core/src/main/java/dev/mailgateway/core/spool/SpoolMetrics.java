package dev.mailgateway.core.spool;

import com.codahale.metrics.Counter;
import dev.mailgateway.core.metrics.GatewayMetrics;

/**
 * The spool's and the failed store's metrics on the shared registry (names without the
 * {@code mail_gateway.} prefix). Building one is get-or-create: every instance over one
 * {@link GatewayMetrics} counts into the same metrics.
 */
public final class SpoolMetrics {

    public static final String APPENDS = "spool.appends";
    public static final String FSYNCS = "spool.fsyncs";
    public static final String WRITE_ERRORS = "spool.write.errors";
    /** Gauge: messages accepted and not yet final (the spec's queued_emails); registered by the spool. */
    public static final String SPOOL_LIVE = "spool.live";
    /** Gauge: free disk under emailsDir in MiB; registered by the spool. */
    public static final String DISK_FREE_MB = "spool.disk.free_mb";
    /** Gauge: messages now in the failed store; registered by the failed store. */
    public static final String FAILED_STORED = "failed.stored";

    /** Messages appended to the spool. */
    public final Counter spoolAppends;
    /** fsync calls made by the spool (group commit: fewer than appends under load). */
    public final Counter spoolFsyncs;
    /** Spool write errors. */
    public final Counter spoolWriteErrors;

    public SpoolMetrics(GatewayMetrics metrics) {
        spoolAppends = metrics.counter(APPENDS);
        spoolFsyncs = metrics.counter(FSYNCS);
        spoolWriteErrors = metrics.counter(WRITE_ERRORS);
    }
}
