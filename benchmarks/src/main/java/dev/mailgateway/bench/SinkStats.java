package dev.mailgateway.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What {@link SmtpSink} has received: messages, recipients, bytes, and when. Thread-safe. */
final class SinkStats {

    private final AtomicLong messages = new AtomicLong();
    private final LongAdder recipients = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final AtomicLong openConnections = new AtomicLong();
    private final long exitAfter;
    private final long exitAfterRecipients;
    private final CountDownLatch reached = new CountDownLatch(1);
    private volatile long firstMessageEpochMs;
    private volatile long lastMessageEpochMs;
    private volatile long targetReachedEpochMs;

    /**
     * @param exitAfter           messages after which {@link #awaitTarget} returns; 0 = no target
     * @param exitAfterRecipients recipients after which it returns (a relay may split a
     *                            message's recipients over several transactions); 0 = no target
     */
    SinkStats(long exitAfter, long exitAfterRecipients) {
        this.exitAfter = exitAfter;
        this.exitAfterRecipients = exitAfterRecipients;
    }

    void message(int rcpts) {
        recipients.add(rcpts);
        long now = System.currentTimeMillis();
        long n = messages.incrementAndGet();
        if (n == 1) {
            firstMessageEpochMs = now;
        }
        lastMessageEpochMs = now;
        boolean hit = (exitAfter > 0 && n >= exitAfter)
                || (exitAfterRecipients > 0 && recipients.sum() >= exitAfterRecipients);
        if (hit && reached.getCount() > 0) {
            synchronized (this) {
                if (reached.getCount() > 0) {
                    targetReachedEpochMs = now;
                    reached.countDown();
                }
            }
        }
    }

    void bytes(long n) {
        bytes.add(n);
    }

    void connectionOpened() {
        connections.increment();
        openConnections.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    long messages() {
        return messages.get();
    }

    long recipients() {
        return recipients.sum();
    }

    long bytes() {
        return bytes.sum();
    }

    long connections() {
        return connections.sum();
    }

    long openConnections() {
        return openConnections.get();
    }

    long firstMessageEpochMs() {
        return firstMessageEpochMs;
    }

    long lastMessageEpochMs() {
        return lastMessageEpochMs;
    }

    long targetReachedEpochMs() {
        return targetReachedEpochMs;
    }

    /** Waits until {@code exitAfter} messages have arrived; false on timeout or when 0. */
    boolean awaitTarget(long millis) throws InterruptedException {
        return (exitAfter > 0 || exitAfterRecipients > 0) && reached.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
