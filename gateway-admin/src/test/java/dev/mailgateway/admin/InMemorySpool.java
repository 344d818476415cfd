package dev.mailgateway.admin;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.spool.Spool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test double of the spool (the real one lives in gateway-core): live messages in a list. */
final class InMemorySpool implements Spool {

    final List<SpooledMessage> live = new CopyOnWriteArrayList<>();
    volatile long freeDiskMb = 8192;
    volatile boolean writable = true;
    /** When set, liveCount() throws it. */
    volatile RuntimeException failure;

    @Override
    public List<SpooledMessage> recover() {
        return List.of();
    }

    @Override
    public CompletableFuture<SpooledMessage> append(Envelope envelope, byte[] content) {
        SpooledMessage m = SpooledMessage.fresh(envelope);
        live.add(m);
        return CompletableFuture.completedFuture(m);
    }

    @Override
    public CompletableFuture<byte[]> readContent(QueueId id) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException());
    }

    @Override
    public CompletableFuture<Void> recordOutcomes(QueueId id, int attempt, List<RecipientOutcome> outcomes) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException());
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
    }
}
