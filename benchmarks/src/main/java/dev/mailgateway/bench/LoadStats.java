package dev.mailgateway.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** Counters and the accept-latency histogram of one load run; recorded from any event loop. */
final class LoadStats {

    private static final long MAX_LATENCY_US = TimeUnit.SECONDS.toMicros(120);

    final LongAdder accepted = new LongAdder();
    final LongAdder recipientsAccepted = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder connections = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Histogram acceptLatencyUs = new ConcurrentHistogram(MAX_LATENCY_US, 3);
    private final Histogram mailFromLatencyUs = new ConcurrentHistogram(MAX_LATENCY_US, 3);

    /** MAIL FROM sent to its 250 received (where the rate-limit check happens). */
    void recordMailFrom(long nanos) {
        mailFromLatencyUs.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, nanos / 1000)));
    }

    /** MAIL FROM latency percentile in milliseconds. */
    double mailFromLatencyMs(double percentile) {
        return mailFromLatencyUs.getTotalCount() == 0 ? 0
                : mailFromLatencyUs.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Final dot sent to 250 received. */
    void recordAccept(long nanos, int recipients) {
        accepted.increment();
        recipientsAccepted.add(recipients);
        acceptLatencyUs.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, nanos / 1000)));
    }

    /** An error by reply code ("451") or by kind ("connect", "timeout", "closed"). */
    void recordError(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void recordFailedMessage() {
        failed.increment();
    }

    Map<String, Long> errors() {
        Map<String, Long> m = new TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Accept latency percentile in milliseconds. */
    double latencyMs(double percentile) {
        return acceptLatencyUs.getTotalCount() == 0 ? 0
                : acceptLatencyUs.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxLatencyMs() {
        return acceptLatencyUs.getMaxValue() / 1000.0;
    }
}
