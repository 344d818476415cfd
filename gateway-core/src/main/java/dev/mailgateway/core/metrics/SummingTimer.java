package dev.mailgateway.core.metrics;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Dropwizard timer that also keeps the total of every duration recorded, which Dropwizard does
 * not: Prometheus summaries need {@code _sum} next to {@code _count} (a mean over any range is
 * {@code rate(_sum) / rate(_count)}). Record with {@link #update(long, TimeUnit)} or
 * {@link #update(Duration)}; the {@code time(...)} helpers bypass the sum and are not used.
 */
public final class SummingTimer extends Timer {

    private final LongAdder sumNanos = new LongAdder();

    public SummingTimer(Reservoir reservoir) {
        super(reservoir);
    }

    @Override
    public void update(long duration, TimeUnit unit) {
        if (duration >= 0) {
            sumNanos.add(unit.toNanos(duration));
        }
        super.update(duration, unit);
    }

    @Override
    public void update(Duration duration) {
        update(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Total of all recorded durations, in seconds. */
    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
