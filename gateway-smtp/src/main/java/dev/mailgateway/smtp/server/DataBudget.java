package dev.mailgateway.smtp.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway-wide budget {@code limits.maxBufferedDataBytes}: message bytes received in DATA
 * and handed to the spool but not yet written by it. A connection whose chunk uses the budget
 * up stops reading ({@link ReadFlowControl} turns autoRead off and pauses its decoder) and
 * registers a wake-up; the spool writer's completions {@link #release} bytes and wake every
 * waiter once the budget has room again. Nothing is refused for it: clients are only slowed.
 *
 * <p>Threads: any. {@link #reserve} on event loops, {@link #release} on the spool writer; wake-ups
 * run on the releasing thread and must only hand a task to their loop.
 */
final class DataBudget {

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();

    DataBudget(long limit) {
        this.limit = limit;
    }

    /** Counts {@code n} bytes in; true when the budget is now used up (the caller should pause). */
    boolean reserve(long n) {
        return used.addAndGet(n) >= limit;
    }

    /** Counts {@code n} bytes out (written by the spool) and wakes the waiters when there is room. */
    void release(long n) {
        if (used.addAndGet(-n) < limit && !waiters.isEmpty()) {
            wakeAll();
        }
    }

    /** Runs {@code wake} once the budget has room: at once (on this thread) if it already has. */
    void whenAvailable(Runnable wake) {
        waiters.add(wake);
        if (used.get() < limit) {
            wakeAll(); // released between reserve and here
        }
    }

    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }

    private void wakeAll() {
        Runnable r;
        while ((r = waiters.poll()) != null) {
            r.run();
        }
    }
}
