package dev.mailgateway.core.queue;

import dev.mailgateway.core.model.SpooledMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Spreads spooled messages over the workers' {@link DispatchQueue}s ({@code workerCount}
 * queues whose capacities add up to {@code queueSize}): the in-memory <em>dispatch window</em>,
 * what the workers hold.
 *
 * <p>{@link #dispatch} never drops: when every queue is full the message goes on the
 * <em>waiting list</em> (it is durable in the spool already) and enters the window oldest first
 * as consumers poll. The waiting list is not bounded here: what is accepted is bounded by the
 * spool ({@code spool.maxMessages}, {@code spool.minFreeDiskMb}, see {@code SpoolingIngress}).
 * By default the list holds the {@link SpooledMessage}s in memory; with the spool's list
 * ({@link #keepWaitingIn}, {@code FileSpool.waitingList()}, issue #12) a waiting message is only
 * a compact index entry and its envelope is read back from disk when it enters the window:
 * the dispatcher then holds nothing per waiting message but a count.
 *
 * <p>Thread-safe and lock-free: producers are SMTP loops, timers and the spool's thread,
 * consumers are workers. One thread at a time moves messages from the waiting list into the
 * window (a work-in-progress counter, so a refill requested while another runs is never lost
 * and order is kept); loads from the list complete on whatever thread the list completes them
 * (the spool's writer), which offers them into the window; no event loop waits for a load.
 */
public final class Dispatcher {

    /**
     * Where waiting messages are kept. {@link #add} from any thread; {@link #poll} from one
     * thread at a time, never more often than {@link #add} was called (the dispatcher counts).
     */
    public interface WaitingList {

        /** Keeps {@code message} (or only what is needed to load it again), oldest first. */
        void add(SpooledMessage message);

        /**
         * Takes the oldest waiting message. The future completes with the message, loaded, or
         * with null when there is nothing to dispatch for that place any more (the message became
         * final, or the list gave it up after logging why); it never fails for a message it keeps.
         */
        CompletableFuture<SpooledMessage> poll();

        /**
         * Called once by the dispatcher that adopts the list: the list calls {@code added} with
         * a count when it puts messages on itself (recovery, a load to try again later).
         */
        default void attach(IntConsumer added) {
        }
    }

    private final List<DispatchQueue> queues;
    private final int totalCapacity;
    private final AtomicInteger next = new AtomicInteger();
    private volatile WaitingList waiting = new InMemoryWaitingList();
    /** Messages added and not yet in the window: on the list, being loaded, or in {@link #ready}. */
    private final AtomicInteger overflowSize = new AtomicInteger();
    /** Polls of the waiting list not completed yet. */
    private final AtomicInteger loading = new AtomicInteger();
    /** Loaded messages that found the window full meanwhile: offered first at the next refill. */
    private final MpscUnboundedArrayQueue<SpooledMessage> ready = new MpscUnboundedArrayQueue<>(64);
    private final AtomicInteger readySize = new AtomicInteger();
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

    /**
     * Keeps waiting messages in {@code list} instead of in memory (null: keep the default).
     * Call once, before the first dispatch.
     */
    public void keepWaitingIn(WaitingList list) {
        if (list == null) {
            return;
        }
        if (overflowSize.get() != 0) {
            throw new IllegalStateException("messages are waiting already");
        }
        this.waiting = list;
        list.attach(this::waitingAdded);
    }

    /** True when waiting messages go to {@code list}. */
    public boolean usesWaitingList(WaitingList list) {
        return waiting == list;
    }

    /**
     * {@code n} messages were put on the waiting list by its owner (recovery, a load retried):
     * they are counted and enter the window as it frees up. Any thread.
     */
    public void waitingAdded(int n) {
        if (n > 0) {
            overflowSize.addAndGet(n);
            refillFromOverflow();
        }
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
        waiting.add(message); // before the count: a refill that sees the count finds it on the list
        overflowSize.incrementAndGet();
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

    /** Durable messages waiting (on disk) for a slot in the window, including those being loaded. */
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
     * draining makes it go round once more (so a slot freed meanwhile is never missed). Loads
     * are started only for free window slots (counting loads in flight), so the loaded
     * messages held in {@link #ready} stay within the window's size.
     */
    private void refillFromOverflow() {
        if (overflowSize.get() == 0 || refilling.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            SpooledMessage m;
            while ((m = ready.peek()) != null && tryOffer(m)) {
                ready.poll();
                readySize.decrementAndGet();
                overflowSize.decrementAndGet();
            }
            if (readySize.get() == 0) {
                // underestimates what is on the list (never polls an empty one): counts drop
                // only after the message has moved on
                while (overflowSize.get() - loading.get() - readySize.get() > 0
                        && depth() + loading.get() + readySize.get() < totalCapacity) {
                    loading.incrementAndGet();
                    waiting.poll().whenComplete(this::loaded);
                }
            }
            missed = refilling.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void loaded(SpooledMessage m, Throwable error) {
        if (m == null) {
            overflowSize.decrementAndGet(); // final meanwhile, or given up by the list (it logs why)
        } else {
            readySize.incrementAndGet();
            ready.offer(m);
        }
        loading.decrementAndGet();
        refillFromOverflow();
    }

    /** The default waiting list: the messages themselves, in memory. */
    private static final class InMemoryWaitingList implements WaitingList {
        private final MpscUnboundedArrayQueue<SpooledMessage> list = new MpscUnboundedArrayQueue<>(4096);

        @Override
        public void add(SpooledMessage message) {
            list.offer(message);
        }

        @Override
        public CompletableFuture<SpooledMessage> poll() {
            return CompletableFuture.completedFuture(list.poll());
        }
    }
}
