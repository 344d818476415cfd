package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * An upload that collects the content in memory and hands it over whole at the commit: the
 * default of {@link Spool#begin()} and {@link MessageIngress#begin()} for implementations that
 * keep contents in memory anyway (test doubles). {@link FileSpool} streams to disk instead.
 *
 * @param <T> what the commit completes with
 */
final class BufferingUpload<T> {

    private final ByteArrayOutputStream content = new ByteArrayOutputStream();
    private final BiFunction<Envelope, byte[], CompletableFuture<T>> accept;
    private boolean aborted;

    BufferingUpload(BiFunction<Envelope, byte[], CompletableFuture<T>> accept) {
        this.accept = accept;
    }

    CompletableFuture<Void> write(ByteBuf chunk) {
        try {
            if (aborted) {
                return CompletableFuture.failedFuture(new IllegalStateException("upload aborted"));
            }
            byte[] b = new byte[chunk.readableBytes()];
            chunk.readBytes(b);
            content.writeBytes(b);
            return CompletableFuture.completedFuture(null);
        } finally {
            chunk.release();
        }
    }

    CompletableFuture<T> commit(Envelope envelope) {
        if (aborted) {
            return CompletableFuture.failedFuture(new IllegalStateException("upload aborted"));
        }
        aborted = true;
        return accept.apply(envelope, content.toByteArray());
    }

    void abort() {
        aborted = true;
    }
}
