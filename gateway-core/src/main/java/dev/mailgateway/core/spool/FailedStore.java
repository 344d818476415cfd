package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Messages that failed for good, one JSON file each under {@code <emailsDir>/failed/}
 * (spec section 5). Re-sending puts a message back through {@link MessageIngress} with its
 * original id; its file is removed only once it is spooled again.
 *
 * <p>Threads: any thread; file work runs on the store's own executor, never the caller's.
 */
public interface FailedStore extends Closeable {

    /** Writes (or overwrites) {@code <id>.json}. Completes when the file is durable. */
    CompletableFuture<Void> store(FailedMessage message);

    /**
     * Writes {@code <id>.json} with {@code content} (streamed from the spool when large) instead of
     * {@code message.content()}. The default reads the content whole and calls {@link #store(FailedMessage)}.
     */
    default CompletableFuture<Void> store(FailedMessage message, MessageContent content) {
        return CompletableFuture.supplyAsync(() -> {
            try (java.io.InputStream in = content.openStream()) {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).thenCompose(bytes -> store(new FailedMessage(message.id(), message.from(), message.to(),
                message.receivedAt(), message.attempts(), message.lastAttemptAt(), message.lastError(), bytes,
                message.smtpUtf8(), message.eightBit(), message.dsn())));
    }

    /** Every stored message without content, oldest first. */
    CompletableFuture<List<FailedMessage>> list();

    /** One message with its content; empty when there is no such file. */
    CompletableFuture<Optional<FailedMessage>> get(QueueId id);

    /**
     * Where a stored message's content lies in its file, to answer with it without reading it
     * into the heap (the admin GET of a large message). {@code channel} is open on the file as it
     * was when located (a later re-send or overwrite does not change it); the caller owns and
     * closes it. The range is the content's JSON string value, quotes included: {@code content}
     * (text, JSON-escaped) or, when {@code base64}, {@code contentBase64}.
     */
    record ContentLocation(FailedMessage message, java.nio.channels.FileChannel channel, long offset, long length,
                           boolean base64) {
    }

    /**
     * The message's fields (no content) and where its content is, when it is worth streaming;
     * empty when it is not (a small message, or no such file): then use {@link #get}. The
     * default is always empty.
     */
    default CompletableFuture<Optional<ContentLocation>> locateContent(QueueId id) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** Deletes one message; false when there was no such file. */
    CompletableFuture<Boolean> delete(QueueId id);

    /** Re-sends one message; false when there was no such file. */
    CompletableFuture<Boolean> retry(QueueId id);

    /** The ids of every stored message, oldest first (what a re-send of everything walks). */
    CompletableFuture<List<QueueId>> ids();

    /** Messages currently in the store. */
    int count();
}
