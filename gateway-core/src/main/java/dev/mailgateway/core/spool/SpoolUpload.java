package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.SpooledMessage;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * One message's content streamed into the spool as it arrives ({@link Spool#begin()}): any
 * number of {@link #write} calls, then exactly one of {@link #commit} or {@link #abort}.
 * Nothing is live until the commit is durable; an aborted or failed upload leaves no live
 * record, and its bytes are reclaimed with their segment.
 *
 * <p>Threads: call from one thread at a time (the connection's event loop), in order; nothing
 * blocks. Futures complete on the spool's writer thread.
 */
public interface SpoolUpload {

    /**
     * Appends the readable bytes of {@code chunk} to the content. Ownership of the buffer passes
     * to the spool, which releases it once it is written. The future completes when the bytes
     * have been handed to the OS (not yet forced: that happens at the commit) and fails when they
     * could not be; the upload is then failed and its commit will fail too.
     */
    CompletableFuture<Void> write(ByteBuf chunk);

    /**
     * Writes the envelope record after the content. The future completes when the whole message
     * is durable (forced with {@code spool.fsync}), the moment it may be acknowledged; it fails
     * on any I/O error, or when a {@link #write} failed.
     */
    CompletableFuture<SpooledMessage> commit(Envelope envelope);

    /** Gives the upload up: nothing becomes live, the space is reclaimed. Idempotent. */
    void abort();
}
