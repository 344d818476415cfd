package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
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
}
