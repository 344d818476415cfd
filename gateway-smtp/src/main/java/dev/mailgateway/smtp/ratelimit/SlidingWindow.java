package dev.mailgateway.smtp.ratelimit;

import java.util.Arrays;

/**
 * A count over a sliding window made of fixed buckets: {@code buckets} buckets of
 * {@code bucketMillis} each plus the current one, so the window spans between
 * {@code buckets * bucketMillis} and one bucket more. Counting over that slightly longer span
 * errs on the strict side: no burst of twice the limit around a boundary, unlike fixed windows.
 *
 * <p>Not thread-safe: the owner synchronises.
 */
final class SlidingWindow {

    private final int[] counts;
    private final long bucketMillis;
    private long head = Long.MIN_VALUE; // absolute index (time / bucketMillis) of the newest bucket
    private long total;

    SlidingWindow(int buckets, long bucketMillis) {
        this.counts = new int[buckets + 1];
        this.bucketMillis = bucketMillis;
    }

    private void advance(long now) {
        long index = now / bucketMillis;
        if (head == Long.MIN_VALUE) {
            head = index;
            return;
        }
        long gap = index - head;
        if (gap <= 0) {
            return; // same bucket (or a clock step back: keep counting into the newest bucket)
        }
        if (gap >= counts.length) {
            Arrays.fill(counts, 0);
            total = 0;
        } else {
            for (long k = head + 1; k <= index; k++) {
                int slot = (int) (k % counts.length);
                total -= counts[slot];
                counts[slot] = 0;
            }
        }
        head = index;
    }

    long sum(long now) {
        advance(now);
        return total;
    }

    void add(long now, int n) {
        advance(now);
        counts[(int) (head % counts.length)] += n;
        total += n;
    }

    /** Milliseconds until the count (plus {@code extra}) falls below {@code limit}; at least 1 s. */
    long millisUntilBelow(long now, long limit, long extra) {
        advance(now);
        long acc = total + extra;
        long oldest = head - counts.length + 1;
        for (long k = oldest; k <= head; k++) {
            acc -= counts[Math.floorMod(k, counts.length)];
            if (acc < limit) {
                long leavesAt = (k + counts.length) * bucketMillis; // when head reaches k + length
                return Math.max(1000, leavesAt - now);
            }
        }
        return Math.max(1000, (head + counts.length) * bucketMillis - now);
    }
}
