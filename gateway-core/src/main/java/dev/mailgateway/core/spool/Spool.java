package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable store of accepted mail under {@code <emailsDir>/spool/}.
 *
 * <p>Call order: {@link #recover()} or {@link #recoverInto} once at start-up, before any other call; then
 * {@link #append} for each accepted message, {@link #recordOutcomes} after each delivery
 * attempt, {@link #readContent} whenever a worker needs the bytes; {@link #close()} last.
 *
 * <p>Threads: every method may be called from any thread (SMTP and relay event loops); all but
 * {@link #recover()}, {@link #recoverInto} and {@link #close()} (start-up and shutdown, which wait
 * for the disk) never block the caller: disk work runs on the spool's own writer thread. Returned futures
 * complete on that thread; callers hop back to their event loop before touching channel state.
 */
public interface Spool extends Closeable {

    /**
     * Reads what the spool holds and returns every message with recipients lacking a final
     * outcome, with its attempt count and remaining recipients only. Corrupt or torn records
     * are skipped with a WARN. Blocking: call once, before serving.
     */
    List<SpooledMessage> recover();

    /**
     * Recovers like {@link #recover()} and hands every live message to {@code dispatcher}
     * (what the gateway does at start-up). The default dispatches the list; {@link FileSpool}
     * puts the messages on its own waiting list when the dispatcher uses it ({@link #waitingList()}),
     * so a restart with a large backlog reads back only the window's envelopes. Blocking: call
     * once, before serving.
     *
     * @return how many messages were recovered
     */
    default int recoverInto(Dispatcher dispatcher) {
        List<SpooledMessage> recovered = recover();
        recovered.forEach(dispatcher::dispatch);
        return recovered.size();
    }

    /**
     * Where the dispatcher should keep messages waiting for the dispatch window
     * ({@link Dispatcher#keepWaitingIn}), or null to keep them in memory (the default).
     */
    default Dispatcher.WaitingList waitingList() {
        return null;
    }

    /**
     * Writes the message. The future completes when it is durable (fsynced when
     * {@code spool.fsync} is true, written to the OS otherwise) and fails on any I/O error:
     * the caller must then not acknowledge the message.
     *
     * @param envelope the envelope; its id is the queue id (a re-sent failed message keeps its id)
     * @param content  the raw message (CRLF line endings, not dot-stuffed, Received header first);
     *                 the spool owns the array from now on
     */
    CompletableFuture<SpooledMessage> append(Envelope envelope, byte[] content);

    /**
     * Starts a message whose content arrives in pieces (SMTP DATA): the chunks are written as
     * they come, the envelope at {@link SpoolUpload#commit}. In {@link FileSpool} memory use does
     * not grow with the message size; the default collects the content in memory and calls
     * {@link #append} at the commit (for in-memory test doubles).
     */
    default SpoolUpload begin() {
        BufferingUpload<SpooledMessage> b = new BufferingUpload<>(this::append);
        return new SpoolUpload() {
            @Override
            public CompletableFuture<Void> write(io.netty.buffer.ByteBuf chunk) {
                return b.write(chunk);
            }

            @Override
            public CompletableFuture<SpooledMessage> commit(Envelope envelope) {
                return b.commit(envelope);
            }

            @Override
            public void abort() {
                b.abort();
            }
        };
    }

    /**
     * The raw message bytes of a live message, whole; fails if the id is not in the spool.
     * For large contents prefer {@link #readContent(QueueId, long, int)}.
     */
    CompletableFuture<byte[]> readContent(QueueId id);

    /**
     * Up to {@code maxBytes} of a live message's content from {@code offset}; an empty array at
     * the end. Fails if the id is not in the spool or the bytes cannot be read.
     */
    default CompletableFuture<byte[]> readContent(QueueId id, long offset, int maxBytes) {
        return readContent(id).thenApply(all -> java.util.Arrays.copyOfRange(all,
                (int) Math.min(offset, all.length), (int) Math.min(all.length, offset + maxBytes)));
    }

    /** The content length of a live message, or -1 when the id is not live or the length is not known. */
    default long contentLength(QueueId id) {
        return -1;
    }

    /**
     * Journals the outcome of one attempt. Recipients with a final status (delivered, failed)
     * are never delivered again after a restart; once every recipient of a message is final,
     * the message is no longer live and its storage may be reclaimed. A failed recipient must
     * be written to the failed store before its FAILED outcome is recorded here.
     *
     * @param attempt the attempt number just made (1-based)
     */
    CompletableFuture<Void> recordOutcomes(QueueId id, int attempt, List<RecipientOutcome> outcomes);

    /** Messages accepted and not yet final. */
    int liveCount();

    /** The oldest live messages, oldest first, at most {@code limit}. */
    List<SpooledMessage> oldest(int limit);

    /** Free space under the spool directory, in MiB. */
    long freeDiskMb();

    /** False after a write error until a later write succeeds, or when the directory is not writable. */
    boolean writable();
}
