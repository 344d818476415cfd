package dev.mailgateway.core.queue;

import dev.mailgateway.core.model.SpooledMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Spreads spooled messages over the workers' {@link DispatchQueue}s ({@code workerCount}
 * queues whose capacities add up to {@code queueSize}): the in-memory <em>dispatch window</em>,
 * what the workers hold.
 *
 * <p>{@link #dispatch} never drops: when every queue is full the message waits in the
 * <em>waiting list</em> (it is durable in the spool already) and enters the window oldest first
 * as consumers poll. The waiting list is not bounded here: what is accepted is bounded by the
 * spool ({@code spool.maxMessages}, {@code spool.minFreeDiskMb}, see {@code SpoolingIngress}).
 * It holds a reference to the {@link SpooledMessage} the spool keeps for its live message
 * anyway, in a chunked array (about 4 bytes a message with compressed oops; BENCHMARKS.md).
 *
 * <p>Thread-safe and lock-free: producers are SMTP loops and timers, consumers are workers.
 * One thread at a time moves messages from the waiting list into the window (a work-in-progress
 * counter, so a refill requested while another runs is never lost and order is kept).
 */
public final class Dispatcher {

    private final List<DispatchQueue> queues;
    private final int totalCapacity;
    private final AtomicInteger next = new AtomicInteger();
    /** The waiting list: MPSC, consumed only by the thread that holds {@link #refilling}. */
    private final MpscUnboundedArrayQueue<SpooledMessage> overflow = new MpscUnboundedArrayQueue<>(4096);
    private final AtomicInteger overflowSize = new AtomicInteger();
    private final AtomicInteger refilling = new AtomicInteger();

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

    /** True when a new message would find a queue slot (no longer what admission checks). */
    public boolean hasCapacity() {
        return overflowSize.get() == 0 && depth() < totalCapacity;
    }

    /** Queues a spooled message for delivery (window or waiting list); never drops it. Any thread. */
    public void dispatch(SpooledMessage message) {
        if (overflowSize.get() == 0 && tryOffer(message)) {
            return;
        }
        overflowSize.incrementAndGet();
        overflow.offer(message);
        refillFromOverflow(); // a consumer may have made room meanwhile
    }

    /** Messages in the dispatch window: the worker queues (not counting the waiting list). */
    public int depth() {
        int d = 0;
        for (DispatchQueue q : queues) {
            d += q.size();
        }
        return d;
    }

    /** Durable messages waiting (on disk, referenced here) for a slot in the window. */
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

    /**
     * Moves waiting messages into the window, oldest first, while there is room. Called after
     * every poll and dispatch; one thread drains at a time, and a call that finds another
     * draining makes it go round once more (so a slot freed meanwhile is never missed).
     */
    private void refillFromOverflow() {
        if (overflowSize.get() == 0 || refilling.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            SpooledMessage m;
            while ((m = overflow.peek()) != null && tryOffer(m)) {
                overflow.poll();
                overflowSize.decrementAndGet();
            }
            missed = refilling.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }
}
