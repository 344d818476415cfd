package dev.mailgateway.core.queue;

import dev.mailgateway.core.model.SpooledMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads spooled messages over the workers' {@link DispatchQueue}s ({@code workerCount}
 * queues whose capacities add up to {@code queueSize}).
 *
 * <p>{@link #dispatch} never drops: when every queue is full the message waits in an overflow
 * list (it is already durable in the spool) and moves into a queue as soon as a consumer polls.
 * New SMTP transactions are refused at MAIL FROM while {@link #hasCapacity()} is false, so the
 * overflow only holds what was in flight when the queues filled, recovered mail and retries.
 *
 * <p>Thread-safe and lock-free: producers are SMTP loops and timers, consumers are workers.
 */
public final class Dispatcher {

    private final List<DispatchQueue> queues;
    private final int totalCapacity;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedQueue<SpooledMessage> overflow = new ConcurrentLinkedQueue<>();
    private final AtomicInteger overflowSize = new AtomicInteger();

    public Dispatcher(int workerCount, int queueSize) {
        if (workerCount <= 0 || queueSize < workerCount) {
            throw new IllegalArgumentException("need queueSize >= workerCount > 0, got "
                    + queueSize + " and " + workerCount);
        }
        List<DispatchQueue> qs = new ArrayList<>(workerCount);
        for (int i = 0; i < workerCount; i++) {
            // capacities add up to queueSize exactly
            int cap = queueSize / workerCount + (i < queueSize % workerCount ? 1 : 0);
            qs.add(new DispatchQueue(cap, this::refillFromOverflow));
        }
        this.queues = List.copyOf(qs);
        this.totalCapacity = queueSize;
    }

    /** The queue of worker {@code index}, 0-based. */
    public DispatchQueue queue(int index) {
        return queues.get(index);
    }

    public int workerCount() {
        return queues.size();
    }

    /** True when a new message would find a queue slot (checked at MAIL FROM). */
    public boolean hasCapacity() {
        return overflowSize.get() == 0 && depth() < totalCapacity;
    }

    /** Queues a spooled message for delivery; never drops it. Any thread. */
    public void dispatch(SpooledMessage message) {
        if (overflowSize.get() == 0 && tryOffer(message)) {
            return;
        }
        overflow.add(message);
        overflowSize.incrementAndGet();
        refillFromOverflow(); // a consumer may have made room meanwhile
    }

    /** Messages in the worker queues (not counting overflow). */
    public int depth() {
        int d = 0;
        for (DispatchQueue q : queues) {
            d += q.size();
        }
        return d;
    }

    /** Durable messages waiting for a queue slot. */
    public int overflowSize() {
        return overflowSize.get();
    }

    public int capacity() {
        return totalCapacity;
    }

    private boolean tryOffer(SpooledMessage message) {
        int n = queues.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            if (queues.get((start + i) % n).offer(message)) {
                return true;
            }
        }
        return false;
    }

    private void refillFromOverflow() {
        if (overflowSize.get() == 0) {
            return;
        }
        SpooledMessage m;
        // take before offering, so two refilling threads never queue the same message twice
        while ((m = overflow.poll()) != null) {
            if (!tryOffer(m)) {
                overflow.add(m); // still no room: back to the list (order among waiters may change)
                // Lost wake-up guard: while we held m outside the list, a consumer may have
                // drained its queue and run its own refill, found the list empty and gone idle.
                // Nobody would then move m until the next dispatch, and hasCapacity() would
                // stay false (refusing every new transaction). If a slot opened meanwhile, go
                // on; a consumer that polls after this check finds m back in the list.
                if (!anyQueueHasRoom()) {
                    return;
                }
                continue;
            }
            overflowSize.decrementAndGet();
        }
    }

    private boolean anyQueueHasRoom() {
        for (DispatchQueue q : queues) {
            if (q.size() < q.capacity()) {
                return true;
            }
        }
        return false;
    }
}
