package dev.mailgateway.admin;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.metrics.SummingTimer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's Dropwizard registry as idiomatic Prometheus metrics (issue #14), built with the
 * official client's snapshot model rather than its Dropwizard bridge:
 * <ul>
 *   <li>counters and meters are counters ({@code _total} added by the writer);
 *   <li>timers are summaries in seconds ({@code _seconds}) with quantiles over the last minute
 *       and a cumulative {@code _sum} and {@code _count};
 *   <li>the per-provider timers ({@code relay.provider.latency.<host:port>}) are one family with a
 *       {@code provider} label, as are {@link GatewayMetrics#labelledGauges()};
 *   <li>base units: free disk in bytes; every family has a real HELP text.
 * </ul>
 * Metrics registered later by other components follow the same rules, with their
 * {@link GatewayMetrics#describe} text (or their registry name) as HELP. Runs at scrape time on
 * the admin loop; it reads in-memory values only.
 */
final class GatewayExposition implements MultiCollector {

    private record Known(String name, String help, double scale) {
    }

    private static final double MIB = 1024.0 * 1024.0;
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.99, 0.999};

    /** Registry name (without the prefix) → Prometheus base name and HELP. */
    private static final Map<String, Known> KNOWN = new LinkedHashMap<>();

    /** A metric whose Prometheus name is the rule's ({@link #promName}, timers with {@code _seconds}). */
    private static void known(String registry, String help) {
        KNOWN.put(registry, new Known(promName(registry), help, 1.0));
    }

    static {
        known("emails.accepted", "Messages accepted: 250 sent at the end of DATA.");
        known("recipients.accepted", "Recipients of accepted messages.");
        known("smtp.rate_limited",
                "SMTP transactions refused by a rate limit (451 4.7.1).");
        known("smtp.connections.rejected",
                "SMTP connections refused at connect (access policy, connection limits).");
        known("smtp.auth.failures", "Failed SMTP AUTH attempts.");
        known("smtp.connections.open", "Inbound SMTP connections open now.");
        known("smtp.accept.latency",
                "End of DATA to 250 sent: how long clients wait for the spool.");
        known("spool.appends", "Messages appended to the spool.");
        known("spool.fsyncs", "fsync calls made by the spool (group commit).");
        known("spool.write.errors", "Spool write errors.");
        known("emails.delivered",
                "Messages delivered to every recipient (final outcome).");
        known("emails.failed",
                "Messages moved to the failed store (a recipient failed for good).");
        known("emails.deferred",
                "Delivery attempts that left some recipient for a retry.");
        known("recipients.delivered", "Recipients delivered.");
        known("recipients.failed", "Recipients failed for good.");
        known("emails.processing.time",
                "Accept to final outcome, per message.");
        known(MetricNames.QUEUE_DEPTH, "Messages waiting in the worker queues.");
        known(MetricNames.QUEUE_OVERFLOW,
                "Durable messages waiting for a worker queue slot.");
        known(MetricNames.SPOOL_LIVE,
                "Messages accepted and not yet final (still owed delivery).");
        KNOWN.put(MetricNames.DISK_FREE_MB, new Known("mail_gateway_spool_disk_free_bytes",
                "Free disk space under the spool directory.", MIB));
        known(MetricNames.FAILED_STORED, "Messages in the failed store now.");
        known(MetricNames.RETRY_WAITING,
                "Messages waiting for a retry timer.");
        known("relay.pool.open", "Outbound SMTP connections open, all workers.");
        known("relay.pool.idle", "Outbound SMTP connections idle in the pools.");
    }

    private static final String PROVIDER_LATENCY_NAME = "mail_gateway_relay_provider_latency_seconds";
    private static final String PROVIDER_LATENCY_HELP = "One SMTP transaction (MAIL to the final reply) per provider.";

    private final GatewayMetrics metrics;

    GatewayExposition(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        SummarySnapshot.Builder providerLatency = null;
        for (Map.Entry<String, Metric> e : metrics.registry().getMetrics().entrySet()) {
            if (!e.getKey().startsWith(GatewayMetrics.PREFIX)) {
                continue;
            }
            String name = e.getKey().substring(GatewayMetrics.PREFIX.length());
            Metric m = e.getValue();
            if (name.startsWith(MetricNames.PROVIDER_LATENCY) && m instanceof Timer t) {
                if (providerLatency == null) {
                    providerLatency = SummarySnapshot.builder().name(PROVIDER_LATENCY_NAME).help(PROVIDER_LATENCY_HELP);
                }
                providerLatency.dataPoint(summary(t, Labels.of("provider",
                        name.substring(MetricNames.PROVIDER_LATENCY.length()))));
                continue;
            }
            MetricSnapshot s = snapshot(name, m);
            if (s != null) {
                out.add(s);
            }
        }
        if (providerLatency != null) {
            out.add(providerLatency.build());
        }
        metrics.labelledGauges().forEach((name, g) -> {
            GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(promName(name)).help(g.help());
            g.values().get().forEach((labelValue, v) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of(g.label(), labelValue)).value(v.doubleValue()).build()));
            out.add(b.build());
        });
        return new MetricSnapshots(out);
    }

    private MetricSnapshot snapshot(String name, Metric m) {
        Known k = KNOWN.get(name);
        String help = k != null ? k.help() : metrics.description(name) != null ? metrics.description(name)
                : "mail_gateway." + name;
        double scale = k == null ? 1.0 : k.scale();
        if (m instanceof Counter || m instanceof Meter) { // both monotonic counts
            return CounterSnapshot.builder().name(stripTotal(k != null ? k.name() : promName(name))).help(help)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(((Counting) m).getCount())
                            .build()).build();
        }
        if (m instanceof Timer t) {
            String base = k != null ? k.name() : promName(name);
            return SummarySnapshot.builder().name(base.endsWith("_seconds") ? base : base + "_seconds").help(help)
                    .dataPoint(summary(t, Labels.EMPTY)).build();
        }
        if (m instanceof Histogram h) {
            return SummarySnapshot.builder().name(k != null ? k.name() : promName(name)).help(help)
                    .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                            .quantiles(quantiles(h.getSnapshot(), 1.0)).count(h.getCount()).build()).build();
        }
        if (m instanceof Gauge<?> g) {
            Object v;
            try {
                v = g.getValue();
            } catch (RuntimeException e) {
                return null; // a gauge whose owner is gone; the JSON endpoint reports null the same way
            }
            double value;
            if (v instanceof Number n) {
                value = n.doubleValue();
            } else if (v instanceof Boolean b) {
                value = b ? 1 : 0;
            } else {
                return null;
            }
            return GaugeSnapshot.builder().name(k != null ? k.name() : promName(name)).help(help)
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value * scale).build()).build();
        }
        return null;
    }

    private static SummarySnapshot.SummaryDataPointSnapshot summary(Timer t, Labels labels) {
        SummarySnapshot.SummaryDataPointSnapshot.Builder b = SummarySnapshot.SummaryDataPointSnapshot.builder()
                .quantiles(quantiles(t.getSnapshot(), 1e9)).count(t.getCount()).labels(labels); // ns → s
        if (t instanceof SummingTimer s) {
            b.sum(s.sumSeconds());
        }
        return b.build();
    }

    /** The summary quantiles of a snapshot, each value divided by {@code divisor}. */
    private static Quantiles quantiles(Snapshot snap, double divisor) {
        Quantiles.Builder q = Quantiles.builder();
        for (double quantile : QUANTILES) {
            q.quantile(new Quantile(quantile, snap.getValue(quantile) / divisor));
        }
        return q.build();
    }

    /** {@code smtp.rate_limited} → {@code mail_gateway_smtp_rate_limited}. */
    static String promName(String registryName) {
        return "mail_gateway_" + registryName.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static String stripTotal(String name) {
        return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    }
}
