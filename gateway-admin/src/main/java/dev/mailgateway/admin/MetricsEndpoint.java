package dev.mailgateway.admin;

import com.codahale.metrics.Meter;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.Spool;

/**
 * {@code GET /metrics}: the spec's counters (section 3) plus the gateway's own, read from the
 * one {@link GatewayMetrics} registry and the live queue sizes. Nothing is counted here: each
 * event was counted once where it happened. Definitions are in docs/admin.md.
 */
final class MetricsEndpoint {

    private final GatewayMetrics metrics;
    private final Spool spool;
    private final Dispatcher dispatcher;
    private final FailedStore failedStore;

    MetricsEndpoint(GatewayMetrics metrics, Spool spool, Dispatcher dispatcher, FailedStore failedStore) {
        this.metrics = metrics;
        this.spool = spool;
        this.dispatcher = dispatcher;
        this.failedStore = failedStore;
    }

    AdminResponse get() {
        Snapshot processing = timer(MetricNames.PROCESSING_TIME).getSnapshot();
        ObjectNode body = AdminResponse.object()
                // the spec's five
                .put("total_emails", metrics.count(MetricNames.EMAILS_ACCEPTED))
                .put("successful_emails", metrics.count(MetricNames.EMAILS_DELIVERED))
                .put("failed_emails", metrics.count(MetricNames.EMAILS_FAILED))
                .put("total_recipients", metrics.count(MetricNames.RECIPIENTS_ACCEPTED))
                .put("avg_processing_time_ms", millis(processing.getMean()))
                // the gateway's own
                .put("deferred_emails", metrics.count(MetricNames.EMAILS_DEFERRED))
                .put("rate_limited", metrics.count(MetricNames.RATE_LIMITED))
                .put("rejected_connections", metrics.count(MetricNames.CONNECTIONS_REJECTED))
                .put("auth_failures", metrics.count(MetricNames.AUTH_FAILURES))
                .put("open_connections", metrics.count(MetricNames.CONNECTIONS_OPEN))
                .put("recipients_delivered", metrics.count(MetricNames.RECIPIENTS_DELIVERED))
                .put("recipients_failed", metrics.count(MetricNames.RECIPIENTS_FAILED))
                .put("accepted_per_second_1m", round3(oneMinuteRate(MetricNames.EMAILS_ACCEPTED)))
                .put("queued_emails", spool.liveCount())
                .put("queue_depth", dispatcher.depth() + dispatcher.overflowSize())
                .put("queue_overflow", dispatcher.overflowSize())
                .put("queue_capacity", dispatcher.capacity())
                .put("failed_stored", failedStore.count());
        putGauge(body, "retry_waiting", MetricNames.RETRY_WAITING);
        RelayState.put(body, metrics, dispatcher); // issue #12: window, waiting on disk / for a provider, providers
        body.set("accept_latency_ms", latency(timer(MetricNames.ACCEPT_LATENCY)));
        body.set("processing_time_ms", latency(timer(MetricNames.PROCESSING_TIME)));
        body.set("spool", AdminResponse.object()
                .put("appends", metrics.count(MetricNames.SPOOL_APPENDS))
                .put("fsyncs", metrics.count(MetricNames.SPOOL_FSYNCS))
                .put("write_errors", metrics.count(MetricNames.SPOOL_WRITE_ERRORS)));
        return AdminResponse.ok(body);
    }

    /** A registered timer, or an empty one when its module is not there (never registered by a read). */
    private Timer timer(String name) {
        Timer t = metrics.findTimer(name);
        return t != null ? t : new Timer();
    }

    private double oneMinuteRate(String name) {
        Meter m = metrics.findMeter(name);
        return m == null ? 0.0 : m.getOneMinuteRate();
    }

    /** A numeric gauge the wiring may have registered; null when it has not. */
    private void putGauge(ObjectNode body, String field, String gaugeName) {
        Object value = metrics.gaugeValue(gaugeName);
        if (value instanceof Number n) {
            body.put(field, n.longValue());
        } else {
            body.putNull(field);
        }
    }

    /** Percentiles over the timer's window (the last minute), in milliseconds. */
    private static ObjectNode latency(Timer timer) {
        Snapshot s = timer.getSnapshot();
        return AdminResponse.object()
                .put("p50", millis(s.getMedian()))
                .put("p99", millis(s.get99thPercentile()))
                .put("max", millis(s.getMax()))
                .put("mean", millis(s.getMean()))
                .put("samples", s.size())
                .put("count", timer.getCount());
    }

    /** Dropwizard timers record nanoseconds; three decimals keep microseconds. */
    static double millis(double nanos) {
        return round3(nanos / 1_000_000.0);
    }

    private static double round3(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
