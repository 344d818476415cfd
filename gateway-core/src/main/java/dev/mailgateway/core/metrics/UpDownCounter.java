package dev.mailgateway.core.metrics;

import com.codahale.metrics.Gauge;
import java.util.concurrent.atomic.LongAdder;

/**
 * A count that goes up and down (open connections): registered as a {@link Gauge}, so the
 * exposition does not present it as a monotonic counter. Thread-safe.
 */
public final class UpDownCounter implements Gauge<Long> {

    private final LongAdder count = new LongAdder();

    public void inc() {
        count.increment();
    }

    public void inc(long n) {
        count.add(n);
    }

    public void dec() {
        count.decrement();
    }

    public long getCount() {
        return count.sum();
    }

    @Override
    public Long getValue() {
        return count.sum();
    }
}
