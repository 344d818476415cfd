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
 * It declares no module's metrics: each module registers its own through {@link #counter},
 * {@link #meter}, {@link #timer}, {@link #upDownCounter} and {@link #gauge}, with the names as
 * constants in that module ({@code SmtpMetrics}, {@code RelayMetrics}, {@code AdminMetrics},
 * {@code core.spool.SpoolMetrics}). Registration is get-or-create, so two components of one
 * kind (or a test) share one metric of a name.
 */
public final class GatewayMetrics {

    public static final String PREFIX = "mail_gateway.";

    // Gauge names of the dispatch queues (core.queue), registered by the composition root.
    /** Messages in the worker queues; registered by the composition root from Dispatcher. */
    public static final String QUEUE_DEPTH = "queue.depth";
    /** Durable messages waiting for a queue slot; registered from Dispatcher. */
    public static final String QUEUE_OVERFLOW = "queue.overflow";

    private final MetricRegistry registry;

    public GatewayMetrics() {
        this(new MetricRegistry());
    }

    public GatewayMetrics(MetricRegistry registry) {
        this.registry = registry;
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** The counter {@code mail_gateway.<name>} (created on first use). */
    public Counter counter(String name) {
        return registry.counter(PREFIX + name);
    }

    /** The meter {@code mail_gateway.<name>} (created on first use). */
    public Meter meter(String name) {
        return registry.meter(PREFIX + name);
    }

    /** The up-and-down count {@code mail_gateway.<name>}, exposed as a gauge (created on first use). */
    public UpDownCounter upDownCounter(String name) {
        return (UpDownCounter) registry.gauge(PREFIX + name, UpDownCounter::new);
    }

    /**
     * The count of the counter, meter or numeric gauge {@code mail_gateway.<name>}; 0 when no
     * component registered it (what the readers, admin, report for a module that is not there).
     */
    public long count(String name) {
        com.codahale.metrics.Metric m = registry.getMetrics().get(PREFIX + name);
        if (m instanceof com.codahale.metrics.Counting c) {
            return c.getCount();
        }
        if (m instanceof Gauge<?> g && g.getValue() instanceof Number n) {
            return n.longValue();
        }
        return 0;
    }

    /** The registered timer {@code mail_gateway.<name>}, or null (read side: never creates it). */
    public Timer findTimer(String name) {
        return registry.getTimers().get(PREFIX + name);
    }

    /** The registered meter {@code mail_gateway.<name>}, or null (read side: never creates it). */
    public Meter findMeter(String name) {
        return registry.getMeters().get(PREFIX + name);
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

    private final java.util.Map<String, LabelledGauge> labelledGauges = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, String> help = new java.util.concurrent.ConcurrentHashMap<>();

    /** A gauge family with one label: {@code values} maps each label value to the gauge's value. */
    public record LabelledGauge(String label, String help, Supplier<java.util.Map<String, ? extends Number>> values) {
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
