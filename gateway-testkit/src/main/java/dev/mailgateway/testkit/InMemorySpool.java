package dev.mailgateway.testkit;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.spool.Spool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Spool test double: content in memory, every recordOutcomes call recorded; futures complete
 * on its own thread. {@link #live} is what liveCount and oldest report (tests may add metadata
 * only, as the admin API's tests do); disk space, writability and a liveCount failure are
 * settable.
 */
public final class InMemorySpool implements Spool {

    /** The live messages, in arrival order: {@link #add} and {@link #append} add here. */
    public final List<SpooledMessage> live = new CopyOnWriteArrayList<>();
    public volatile long freeDiskMb = 8192;
    public volatile boolean writable = true;
    /** When set, liveCount() throws it. */
    public volatile RuntimeException failure;

    /** One recordOutcomes call. */
    public record Journal(QueueId id, int attempt, List<RecipientOutcome> outcomes, Instant at) {
    }

    private final Map<QueueId, byte[]> contents = new ConcurrentHashMap<>();
    private final Map<QueueId, Map<String, DeliveryStatus>> finals = new ConcurrentHashMap<>();
    private final List<Journal> journal = new ArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-spool");
        t.setDaemon(true);
        return t;
    });

    /** Stores a message as if accepted, returning what the dispatcher gets. */
    public SpooledMessage add(Envelope envelope, byte[] content) {
        contents.put(envelope.id(), content);
        finals.put(envelope.id(), new ConcurrentHashMap<>());
        SpooledMessage m = SpooledMessage.fresh(envelope);
        live.add(m);
        return m;
    }

    @Override
    public List<SpooledMessage> recover() {
        return List.of();
    }

    @Override
    public CompletableFuture<SpooledMessage> append(Envelope envelope, byte[] content) {
        return CompletableFuture.supplyAsync(() -> add(envelope, content), thread);
    }

    @Override
    public CompletableFuture<byte[]> readContent(QueueId id) {
        return CompletableFuture.supplyAsync(() -> {
            byte[] c = contents.get(id);
            if (c == null) {
                throw new IllegalStateException("not in spool: " + id);
            }
            if (unreadable.contains(id)) {
                throw new java.io.UncheckedIOException(new java.io.IOException("test: cannot read " + id));
            }
            return c;
        }, thread);
    }

    /** When true, lengths are reported, so contents over 256 KiB are streamed by ranged reads (counted). */
    public volatile boolean reportLengths;
    /** Ids whose content reads fail (an I/O error or a corrupt record), until removed. */
    public final java.util.Set<QueueId> unreadable = ConcurrentHashMap.newKeySet();
    public final java.util.concurrent.atomic.AtomicInteger rangedReads = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public long contentLength(QueueId id) {
        byte[] c = contents.get(id);
        return reportLengths && c != null ? c.length : -1;
    }

    @Override
    public CompletableFuture<byte[]> readContent(QueueId id, long offset, int maxBytes) {
        rangedReads.incrementAndGet();
        return Spool.super.readContent(id, offset, maxBytes);
    }

    @Override
    public CompletableFuture<Void> recordOutcomes(QueueId id, int attempt, List<RecipientOutcome> outcomes) {
        return CompletableFuture.runAsync(() -> {
            synchronized (journal) {
                journal.add(new Journal(id, attempt, List.copyOf(outcomes), Instant.now()));
            }
            for (RecipientOutcome o : outcomes) {
                if (o.status().isFinal()) {
                    finals.get(id).put(o.recipient(), o.status());
                }
            }
        }, thread);
    }

    public List<Journal> journal(QueueId id) {
        synchronized (journal) {
            return journal.stream().filter(j -> j.id().equals(id)).toList();
        }
    }

    public List<Journal> journal() {
        synchronized (journal) {
            return List.copyOf(journal);
        }
    }

    /** Final statuses so far, by recipient. */
    public Map<String, DeliveryStatus> finals(QueueId id) {
        return Map.copyOf(finals.get(id));
    }

    @Override
    public int liveCount() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        return live.size();
    }

    @Override
    public List<SpooledMessage> oldest(int limit) {
        List<SpooledMessage> sorted = new ArrayList<>(live);
        sorted.sort(Comparator.comparing((SpooledMessage m) -> m.envelope().receivedAt()));
        return sorted.subList(0, Math.min(limit, sorted.size()));
    }

    @Override
    public long freeDiskMb() {
        return freeDiskMb;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
