package dev.mailgateway.core.spool;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.queue.Dispatcher;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link MessageIngress} the SMTP server talks to: spool first, then dispatch.
 *
 * <p>{@link #admission()} runs on SMTP event loops at every MAIL FROM, so it must be cheap: it
 * reads volatile flags, the spool's live count, and a free-disk figure refreshed at most
 * once a second ({@link FileSpool#freeDiskMb()} is itself a cached value, so no syscall here).
 * The spool bounds what is accepted ({@code spool.maxMessages} undelivered, {@code
 * spool.minFreeDiskMb}), not the in-memory dispatch window ({@code queueSize}).
 *
 * <p>{@link #accept} never drops: the message is dispatched on the spool's thread once it is
 * durable; when the window is full the {@link Dispatcher} keeps it on its waiting list.
 */
public final class SpoolingIngress implements MessageIngress {

    private static final long DISK_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Spool spool;
    private final Dispatcher dispatcher;
    private final long minFreeDiskMb;
    private final int maxMessages;
    private volatile boolean shutdown;
    // a benign race: two loops may both refresh in the same second
    private volatile long freeDiskMb;
    private volatile long diskCheckedAt;

    public SpoolingIngress(Spool spool, Dispatcher dispatcher, SpoolConfig config) {
        this.spool = spool;
        this.dispatcher = dispatcher;
        this.minFreeDiskMb = config.minFreeDiskMb();
        this.maxMessages = config.maxMessages();
        this.freeDiskMb = spool.freeDiskMb();
        this.diskCheckedAt = System.nanoTime();
    }

    @Override
    public Admission admission() {
        if (shutdown || !spool.writable()) {
            return Admission.UNAVAILABLE;
        }
        if (freeDiskMb() < minFreeDiskMb) {
            return Admission.DISK_LOW;
        }
        if (spool.liveCount() >= maxMessages) {
            return Admission.QUEUE_FULL;
        }
        return Admission.OK;
    }

    @Override
    public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
        // runs on spool-writer once durable: a lock-free offer, or the overflow list
        return spool.append(envelope, content).thenApply(m -> {
            dispatcher.dispatch(m);
            return m.id();
        });
    }

    /** {@inheritDoc} Streams into {@link Spool#begin()}; dispatched on the spool's thread once durable. */
    @Override
    public Upload begin() {
        SpoolUpload upload = spool.begin();
        return new Upload() {
            @Override
            public CompletableFuture<Void> write(ByteBuf chunk) {
                return upload.write(chunk);
            }

            @Override
            public CompletableFuture<QueueId> commit(Envelope envelope) {
                return upload.commit(envelope).thenApply(m -> {
                    dispatcher.dispatch(m);
                    return m.id();
                });
            }

            @Override
            public void abort() {
                upload.abort();
            }
        };
    }

    /**
     * Stops admitting new transactions ({@link #admission()} answers UNAVAILABLE). Messages
     * whose DATA is already under way are still accepted until the spool closes.
     */
    public void shutdown() {
        shutdown = true;
    }

    private long freeDiskMb() {
        long now = System.nanoTime();
        if (now - diskCheckedAt >= DISK_REFRESH_NANOS) {
            diskCheckedAt = now;
            freeDiskMb = spool.freeDiskMb();
        }
        return freeDiskMb;
    }
}
