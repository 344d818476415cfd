package dev.mailgateway.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's metrics, all in one Dropwizard {@link MetricRegistry}: the single source for
 * {@code /metrics}, {@code /metrics/prometheus} and logs. Each event is counted once, where
 * it happens (SMTP server, spool, relay); the HTTP layer only reads.
 *
 * <p>Names start with {@code mail_gateway.} so the Prometheus bridge exposes them as
 * {@code mail_gateway_*}. One instance per gateway, passed by constructor (no static registry).
 */
public final class GatewayMetrics {

    public static final String PREFIX = "mail_gateway.";

    // Gauge names (registered with gauge(name, supplier) by the component that owns the value)
    /** Messages in the worker queues; registered by the composition root from Dispatcher. */
    public static final String QUEUE_DEPTH = "queue.depth";
    /** Durable messages waiting for a queue slot; registered from Dispatcher. */
    public static final String QUEUE_OVERFLOW = "queue.overflow";
    /** Messages accepted and not yet final (the spec's queued_emails); registered by the spool. */
    public static final String SPOOL_LIVE = "spool.live";
    /** Free disk under emailsDir in MiB; registered by the spool. */
    public static final String DISK_FREE_MB = "spool.disk.free_mb";
    /** Messages now in the failed store; registered by the failed store. */
    public static final String FAILED_STORED = "failed.stored";
    /** Messages waiting for a retry timer (not in any queue); registered by the relay. */
    public static final String RETRY_WAITING = "relay.retry.waiting";
    /** Gauge name (registered by the relay): messages held back because no provider is up. */
    public static final String WAITING_PROVIDER = "relay.waiting.provider";
    /** Gauge name (registered by the relay, not numeric): each provider's state as a list of maps. */
    public static final String PROVIDERS = "relay.providers";

    private final MetricRegistry registry;

    // SMTP side
    /** Messages accepted (250 sent): the spec's {@code total_emails}. */
    public final Meter emailsAccepted;
    /** Recipients of accepted messages: the spec's {@code total_recipients}. */
    public final Counter recipientsAccepted;
    /** Transactions refused by a rate limit (451 4.7.1). */
    public final Counter rateLimited;
    /** Connections refused at connect (policy, connection limits). */
    public final Counter connectionsRejected;
    /** Failed AUTH attempts. */
    public final Counter authFailures;
    /** Open inbound SMTP connections (inc on accept, dec on close). */
    public final Counter connectionsOpen;
    /** End of DATA to 250 sent: the time a client waits for the spool. */
    public final Timer acceptLatency;

    // spool
    /** Messages appended to the spool. */
    public final Counter spoolAppends;
    /** fsync calls made by the spool (group commit: fewer than appends under load). */
    public final Counter spoolFsyncs;
    /** Spool write errors. */
    public final Counter spoolWriteErrors;

    // relay
    /** Messages delivered to every recipient: the spec's {@code successful_emails}. */
    public final Counter emailsDelivered;
    /** Messages moved to the failed store: the spec's {@code failed_emails}. */
    public final Counter emailsFailed;
    /** Attempts that left some recipients to retry later. */
    public final Counter emailsDeferred;
    /** Recipients delivered. */
    public final Counter recipientsDelivered;
    /** Recipients failed for good. */
    public final Counter recipientsFailed;
    /** Accept to final outcome, per message: {@code avg_processing_time_ms}. */
    public final Timer processingTime;

    public GatewayMetrics() {
        this(new MetricRegistry());
    }

    public GatewayMetrics(MetricRegistry registry) {
        this.registry = registry;
        emailsAccepted = registry.meter(PREFIX + "emails.accepted");
        recipientsAccepted = registry.counter(PREFIX + "recipients.accepted");
        rateLimited = registry.counter(PREFIX + "smtp.rate_limited");
        connectionsRejected = registry.counter(PREFIX + "smtp.connections.rejected");
        authFailures = registry.counter(PREFIX + "smtp.auth.failures");
        // goes up and down: exported as a gauge, so Prometheus does not treat it as a counter
        connectionsOpen = new Counter();
        registry.register(PREFIX + "smtp.connections.open", (Gauge<Long>) connectionsOpen::getCount);
        acceptLatency = timer("smtp.accept.latency");
        spoolAppends = registry.counter(PREFIX + "spool.appends");
        spoolFsyncs = registry.counter(PREFIX + "spool.fsyncs");
        spoolWriteErrors = registry.counter(PREFIX + "spool.write.errors");
        emailsDelivered = registry.counter(PREFIX + "emails.delivered");
        emailsFailed = registry.counter(PREFIX + "emails.failed");
        emailsDeferred = registry.counter(PREFIX + "emails.deferred");
        recipientsDelivered = registry.counter(PREFIX + "recipients.delivered");
        recipientsFailed = registry.counter(PREFIX + "recipients.failed");
        processingTime = timer("emails.processing.time");
    }

    public MetricRegistry registry() {
        return registry;
    }

    /**
     * A timer over the last minute (sliding window), so percentiles describe recent traffic
     * rather than a decaying sample of the whole run.
     */
    public Timer timer(String name) {
        return registry.timer(PREFIX + name,
                () -> new SummingTimer(new SlidingTimeWindowArrayReservoir(1, TimeUnit.MINUTES)));
    }

    // ---- Prometheus exposition (issue #14): labelled families and HELP texts ----

    /** Name prefix of the per-provider SMTP transaction timers: {@code relay.provider.latency.<host:port>}. */
    public static final String PROVIDER_LATENCY = "relay.provider.latency.";

    private final java.util.Map<String, LabelledGauge> labelledGauges = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, String> help = new java.util.concurrent.ConcurrentHashMap<>();

    /** A gauge family with one label: {@code values} maps each label value to the gauge's value. */
    public record LabelledGauge(String label, String help, Supplier<java.util.Map<String, ? extends Number>> values) {
    }

    /** The SMTP transaction timer of one provider ({@code host:port}), exposed with a provider label. */
    public Timer providerLatency(String address) {
        return timer(PROVIDER_LATENCY + address);
    }

    /** Registers (or replaces) a labelled gauge family {@code mail_gateway.<name>} (Prometheus only). */
    public void labelledGauge(String name, String label, String helpText,
                              Supplier<java.util.Map<String, ? extends Number>> values) {
        labelledGauges.put(name, new LabelledGauge(label, helpText, values));
    }

    /** The labelled gauge families by name (without the prefix). */
    public java.util.Map<String, LabelledGauge> labelledGauges() {
        return java.util.Collections.unmodifiableMap(labelledGauges);
    }

    /** Sets the HELP text of a metric registered by another component (name without the prefix). */
    public void describe(String name, String helpText) {
        help.put(name, helpText);
    }

    /** HELP text registered with {@link #describe}, or null. */
    public String description(String name) {
        return help.get(name);
    }

    /** Registers (or replaces) a gauge under {@code mail_gateway.<name>}. */
    public <T> void gauge(String name, Supplier<T> value) {
        registry.remove(PREFIX + name);
        registry.register(PREFIX + name, (Gauge<T>) value::get);
    }

    /** The value of a registered gauge, or null. */
    public Object gaugeValue(String name) {
        Gauge<?> g = registry.getGauges().get(PREFIX + name);
        return g == null ? null : g.getValue();
    }
}
