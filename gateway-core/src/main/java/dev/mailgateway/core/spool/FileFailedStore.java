package dev.mailgateway.core.spool;

import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failed store on disk: one JSON file per message, {@code <failedDir>/<id>.json}, written
 * atomically (temp file, fsync, rename, directory fsync: {@link FailedDirectory}). File names
 * are generated queue ids, never user input; a file that does not parse is moved to
 * {@code corrupt/} with a WARN. The JSON is {@link FailedMessageJson}'s; large contents are
 * read back streaming ({@link FailedContentReader}).
 *
 * <p>Threads: every operation runs on the store's own thread ({@code failed-store}); the
 * known ids and their versions live there too. A re-send goes through {@link MessageIngress}
 * with the original id, and the file is deleted only once the spool has it, and only if no
 * newer failure of the same id was stored meanwhile (the version check). When and how fast
 * everything is re-sent is the relay's {@code FailedResender}'s business, not the store's.
 */
public final class FileFailedStore implements FailedStore {

    private static final Logger log = LoggerFactory.getLogger(FileFailedStore.class);
    /** Files up to this size are re-sent whole; larger ones stream their content to the spool. */
    static final long STREAM_ABOVE = 256 * 1024;
    /** How long a streamed re-send waits for the spool to take one chunk before it gives up (and aborts). */
    private static final long CHUNK_WRITE_TIMEOUT_SEC = 60;

    private final FailedDirectory files;
    private final MessageIngress ingress;
    private final ExecutorService executor;
    private volatile int count;

    // failed-store thread only (filled by the constructor before the executor runs anything)
    private final Map<QueueId, Long> versions = new HashMap<>();
    /** Ids handed to the ingress and not yet answered: never two re-sends of one id at once. */
    private final Set<QueueId> resending = new HashSet<>();
    private long nextVersion;

    public FileFailedStore(Path failedDir, MessageIngress ingress, GatewayMetrics metrics) {
        this.ingress = ingress;
        try {
            this.files = new FailedDirectory(failedDir);
            scanDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the failed store " + failedDir, e);
        }
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "failed-store");
            t.setDaemon(true);
            return t;
        });
        metrics.gauge(SpoolMetrics.FAILED_STORED, this::count);
    }

    @Override
    public CompletableFuture<Void> store(FailedMessage message) {
        if (message.content() == null) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("a failed message needs its content: " + message.id()));
        }
        return onStoreThread(() -> {
            try {
                writeAtomically(message);
            } catch (IOException e) {
                log.error("queue {}: cannot write to the failed store: {}", message.id(), e.toString());
                throw new UncheckedIOException(e);
            }
            versions.put(message.id(), ++nextVersion);
            count = versions.size();
            log.info("queue {}: stored in failed/ ({} recipients, {} attempts): {}", message.id(),
                    message.to().size(), message.attempts(), message.lastError());
            return null;
        });
    }

    /** {@inheritDoc} The content is streamed from the spool into the file (Jackson's streaming generator). */
    @Override
    public CompletableFuture<Void> store(FailedMessage message, MessageContent content) {
        return onStoreThread(() -> {
            try {
                writeAtomically(message, content);
            } catch (IOException e) {
                log.error("queue {}: cannot write to the failed store: {}", message.id(), e.toString());
                throw new UncheckedIOException(e);
            }
            versions.put(message.id(), ++nextVersion);
            count = versions.size();
            log.info("queue {}: stored in failed/ ({} recipients, {} attempts, {} bytes streamed): {}",
                    message.id(), message.to().size(), message.attempts(), content.length(), message.lastError());
            return null;
        });
    }

    @Override
    public CompletableFuture<List<FailedMessage>> list() {
        return onStoreThread(() -> {
            rescan();
            List<FailedMessage> out = new ArrayList<>(versions.size());
            for (QueueId id : new ArrayList<>(versions.keySet())) {
                read(id, false).ifPresent(out::add);
            }
            out.sort(Comparator.comparing(FailedMessage::receivedAt).thenComparing(FailedMessage::id));
            return out;
        });
    }

    @Override
    public CompletableFuture<Optional<FailedMessage>> get(QueueId id) {
        return onStoreThread(() -> read(id, true));
    }

    /** {@inheritDoc} Files over 256 KiB: parsed streaming, the file then scanned for the value's end. */
    @Override
    public CompletableFuture<Optional<ContentLocation>> locateContent(QueueId id) {
        return onStoreThread(() -> {
            Path file = file(id);
            try {
                if (!Files.exists(file) || Files.size(file) <= STREAM_ABOVE) {
                    return Optional.<ContentLocation>empty();
                }
            } catch (IOException e) {
                return Optional.<ContentLocation>empty(); // gone meanwhile: get() answers
            }
            return FailedContentReader.locate(file, id);
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(QueueId id) {
        return onStoreThread(() -> {
            try {
                boolean existed = Files.deleteIfExists(file(id));
                forget(id);
                if (existed) {
                    log.info("queue {}: deleted from failed/", id);
                }
                return existed;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> retry(QueueId id) {
        return onStoreThread(() -> resend(id)).thenCompose(f -> f);
    }

    /** {@inheritDoc} Picks up files an operator added or removed first. */
    @Override
    public CompletableFuture<List<QueueId>> ids() {
        return onStoreThread(() -> {
            rescan();
            List<QueueId> ids = new ArrayList<>(versions.keySet());
            ids.sort(null); // ids sort by accept time
            return ids;
        });
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public void close() {
        if (executor.isShutdown()) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("failed store {}: still busy after 10 s, closing anyway", files.dir());
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T> CompletableFuture<T> onStoreThread(java.util.function.Supplier<T> task) {
        try {
            return CompletableFuture.supplyAsync(task, executor);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the failed store is closed"));
        }
    }

    // ------------------------------------------------------------- failed-store thread

    /** Starts one re-send; the future says whether a message was re-queued. */
    private CompletableFuture<Boolean> resend(QueueId id) {
        if (resending.contains(id)) {
            return CompletableFuture.completedFuture(false); // a re-send of it is under way
        }
        long size;
        try {
            size = Files.size(file(id));
        } catch (NoSuchFileException e) {
            forget(id);
            return CompletableFuture.completedFuture(false);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new UncheckedIOException("cannot read " + file(id), e));
        }
        long version = versions.getOrDefault(id, -1L);
        resending.add(id);
        CompletableFuture<QueueId> accepted;
        FailedMessage m;
        try {
            if (size <= STREAM_ABOVE) {
                Optional<FailedMessage> found = read(id, true);
                if (found.isEmpty()) {
                    resending.remove(id);
                    return CompletableFuture.completedFuture(false);
                }
                m = found.get();
                accepted = ingress.accept(envelope(m), m.content());
            } else {
                Optional<FailedMessageJson.Located> found = locate(id);
                if (found.isEmpty()) {
                    resending.remove(id);
                    return CompletableFuture.completedFuture(false);
                }
                m = found.get().message();
                accepted = streamToIngress(found.get(), envelope(m));
            }
        } catch (RuntimeException e) {
            resending.remove(id);
            return CompletableFuture.failedFuture(e);
        }
        accepted.whenCompleteAsync((q, err) -> resending.remove(id), executor);
        return accepted.thenApplyAsync(q -> {
            // spooled again: the file may go, unless a newer failure was stored meanwhile
            if (versions.getOrDefault(id, -1L) == version) {
                try {
                    Files.deleteIfExists(file(id));
                } catch (IOException e) {
                    log.warn("queue {}: re-sent but its failed/ file could not be deleted: {}", id, e.toString());
                }
                forget(id);
            }
            log.info("queue {}: re-sent from failed/ to {} recipients", id, m.to().size());
            return true;
        }, executor);
    }

    /** The re-sent message: the original id, the failed recipients, the original receivedAt and flags. */
    private static Envelope envelope(FailedMessage m) {
        return new Envelope(m.id(), m.from(), m.to(), m.receivedAt(), "", "", "", m.smtpUtf8(), m.eightBit(), m.dsn());
    }

    /**
     * A large file's content goes to the spool in {@link MessageContent#CHUNK} pieces, decoded
     * from the JSON as it is read (each written before the next is read), so the heap holds one
     * chunk whatever the message size. Failed-store thread; blocks it while the spool writes.
     */
    private CompletableFuture<QueueId> streamToIngress(FailedMessageJson.Located located, Envelope envelope) {
        MessageIngress.Upload upload = ingress.begin();
        try {
            FailedContentReader.streamContent(file(envelope.id()), located, (chunk, length) -> {
                try {
                    upload.write(Unpooled.wrappedBuffer(chunk, 0, length))
                            .get(CHUNK_WRITE_TIMEOUT_SEC, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException("the spool did not take a chunk: " + e.getCause(), e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IOException("the spool did not take a chunk within " + CHUNK_WRITE_TIMEOUT_SEC + " s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while streaming to the spool");
                }
            });
        } catch (IOException | RuntimeException e) {
            upload.abort();
            log.warn("queue {}: cannot stream its failed/ file to the spool: {}", envelope.id(), e.toString());
            return CompletableFuture.failedFuture(e);
        }
        return upload.commit(envelope);
    }

    /** A large file parsed streaming, content not read; empty (and moved to corrupt/) when it does not parse. */
    private Optional<FailedMessageJson.Located> locate(QueueId id) {
        Path file = file(id);
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return Optional.of(FailedMessageJson.locate(in, id));
        } catch (NoSuchFileException e) {
            forget(id);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            if (e instanceof IOException && !(e instanceof com.fasterxml.jackson.core.JsonProcessingException)) {
                throw new UncheckedIOException("cannot read " + file, (IOException) e); // I/O, not a corrupt file
            }
            moveToCorrupt(file, e);
            forget(id);
            return Optional.empty();
        }
    }

    private Optional<FailedMessage> read(QueueId id, boolean withContent) {
        Path file = file(id);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            forget(id);
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e); // an I/O problem, not a corrupt file
        }
        try {
            return Optional.of(FailedMessageJson.read(bytes, id, withContent));
        } catch (IOException | RuntimeException e) { // JSON syntax errors are IOExceptions
            moveToCorrupt(file, e);
            forget(id);
            return Optional.empty();
        }
    }

    private void forget(QueueId id) {
        versions.remove(id);
        count = versions.size();
    }

    /** Picks up files added or removed behind our back (an operator's hand). */
    private void rescan() {
        try {
            versions.keySet().removeIf(id -> !Files.exists(file(id)));
            scanDirectory();
        } catch (IOException e) {
            log.warn("failed store {}: cannot list: {}", files.dir(), e.toString());
        }
    }

    private void scanDirectory() throws IOException {
        for (QueueId id : files.scan()) {
            versions.putIfAbsent(id, ++nextVersion);
        }
        count = versions.size();
    }

    private Path file(QueueId id) {
        return files.file(id);
    }

    private void moveToCorrupt(Path file, Exception why) {
        files.moveToCorrupt(file, why);
    }

    private void writeAtomically(FailedMessage m) throws IOException {
        files.writeAtomically(m, MessageContent.of(m.content()));
    }

    private void writeAtomically(FailedMessage m, MessageContent content) throws IOException {
        files.writeAtomically(m, content);
    }
}
