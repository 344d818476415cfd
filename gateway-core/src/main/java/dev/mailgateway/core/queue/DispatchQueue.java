package dev.mailgateway.core.queue;

import dev.mailgateway.core.model.SpooledMessage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.jctools.queues.MpscArrayQueue;

/**
 * One relay worker's inbox: a bounded lock-free MPSC queue plus a wake-up flag.
 *
 * <p>Producers (SMTP event loops, retry timers, the failed-store re-sender) call
 * {@link #offer} from any thread. The single consumer is a relay worker on its event loop: it
 * {@link #poll}s while it has room for more deliveries, and when it finds the queue empty it
 * calls {@link #parkIfEmpty()}. The flag goes IDLE → AWAKE by CAS, so only the producer that
 * finds the consumer idle schedules the wake-up task: no busy-spinning and one
 * {@code execute} per idle period, not per message. A consumer that stops because it is at
 * capacity stays AWAKE and polls again when a delivery completes.
 *
 * <p>{@code offer} returning false (queue full) must always be handled by the caller
 * ({@link Dispatcher} parks the message in its overflow list).
 */
public final class DispatchQueue {

    private static final int IDLE = 0;
    private static final int AWAKE = 1;

    private final MpscArrayQueue<SpooledMessage> queue;
    private final int capacity;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final Runnable afterPoll;

    // written once by bindConsumer before any offer, read by producers
    private volatile Executor consumerExecutor;
    private volatile Runnable wakeUp;

    DispatchQueue(int capacity, Runnable afterPoll) {
        this.capacity = capacity;
        // MpscArrayQueue rounds capacity up to a power of two; offer checks the configured
        // bound first. The check is not atomic with the offer, so concurrent producers may
        // overshoot it by a few (never past the power of two): a soft bound, which is all
        // admission control needs, without a contended counter on the hand-off path.
        this.queue = new MpscArrayQueue<>(Math.max(2, capacity));
        this.afterPoll = afterPoll;
    }

    /**
     * Binds the consumer: {@code wakeUp} runs on {@code executor} (the worker's event loop)
     * whenever a message arrives while the consumer is idle. Call before the first offer.
     */
    public void bindConsumer(Executor executor, Runnable wakeUp) {
        this.consumerExecutor = executor;
        this.wakeUp = wakeUp;
        if (!queue.isEmpty() && state.compareAndSet(IDLE, AWAKE)) {
            executor.execute(wakeUp);
        }
    }

    /** Adds a message; false when the queue is full. Any thread. */
    boolean offer(SpooledMessage message) {
        if (queue.size() >= capacity || !queue.offer(message)) {
            return false;
        }
        Executor executor = consumerExecutor;
        if (executor != null && state.get() == IDLE && state.compareAndSet(IDLE, AWAKE)) {
            executor.execute(wakeUp);
        }
        return true;
    }

    /** The next message, or null. Consumer thread only. */
    public SpooledMessage poll() {
        SpooledMessage m = queue.relaxedPoll();
        if (m != null) {
            afterPoll.run();
        }
        return m;
    }

    /** The next message without taking it, or null. Consumer thread only. */
    public SpooledMessage peek() {
        return queue.relaxedPeek();
    }

    /**
     * Consumer found the queue empty: go idle. Returns false when a message slipped in between
     * (the consumer must keep polling), true when it may stop until woken.
     */
    public boolean parkIfEmpty() {
        state.set(IDLE);
        if (queue.isEmpty()) {
            return true;
        }
        // a producer may have offered after our last poll but seen AWAKE and not woken us
        return !state.compareAndSet(IDLE, AWAKE);
    }

    public int size() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }
}
