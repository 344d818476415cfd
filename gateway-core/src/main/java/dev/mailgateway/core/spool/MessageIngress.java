package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * Where the SMTP server hands accepted messages: spools them, then dispatches them to a relay
 * worker. The SMTP side never sees the spool or the queues directly.
 *
 * <p>Threads: called from SMTP event loops; never blocks. The future of {@link #accept}
 * completes on the spool's thread; the caller hops back to its loop before replying.
 */
public interface MessageIngress {

    /** Whether a new transaction may start, checked at MAIL FROM. */
    enum Admission {
        /** Go ahead. */
        OK,
        /** Dispatch queues are full: 452 4.3.1, try later. */
        QUEUE_FULL,
        /** Free disk under spool.minFreeDiskMb: 452 4.3.1. */
        DISK_LOW,
        /** The spool cannot write (I/O error, shutting down): 451 4.3.0. */
        UNAVAILABLE
    }

    Admission admission();

    /**
     * Makes the message durable, then queues it for delivery. The future completes with the
     * id once the message is durable (the caller may then reply 250); it fails when the message
     * could not be made durable (the caller replies 451 4.3.0). A message that is durable but
     * finds the queues full stays in the spool and is queued as soon as there is room: it is
     * never dropped and the future still succeeds.
     *
     * @param content the raw message, CRLF line endings, not dot-stuffed; ownership passes here
     */
    CompletableFuture<QueueId> accept(Envelope envelope, byte[] content);

    /**
     * Starts a message whose content is streamed (SMTP DATA, chunk by chunk). Contract as in
     * {@link SpoolUpload}, except that the commit completes with the id once the message is
     * durable and queued for delivery (like {@link #accept}). The default collects the content
     * in memory and calls {@link #accept} at the commit (for test doubles).
     */
    default Upload begin() {
        BufferingUpload<QueueId> b = new BufferingUpload<>(this::accept);
        return new Upload() {
            @Override
            public CompletableFuture<Void> write(ByteBuf chunk) {
                return b.write(chunk);
            }

            @Override
            public CompletableFuture<QueueId> commit(Envelope envelope) {
                return b.commit(envelope);
            }

            @Override
            public void abort() {
                b.abort();
            }
        };
    }

    /** A streamed message on its way in; see {@link SpoolUpload}. One thread at a time, in order. */
    interface Upload {

        /** Appends the chunk (ownership passes); completes once it is written to the OS. */
        CompletableFuture<Void> write(ByteBuf chunk);

        /** Completes with the id once the whole message is durable: then, and only then, reply 250. */
        CompletableFuture<QueueId> commit(Envelope envelope);

        /** Nothing becomes live; idempotent. */
        void abort();
    }
}
