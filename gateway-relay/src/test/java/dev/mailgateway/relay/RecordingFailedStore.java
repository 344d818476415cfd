package dev.mailgateway.relay;

import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.FailedStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A FailedStore test double that records what was stored (completing on another thread). */
public final class RecordingFailedStore implements FailedStore {

    public final List<FailedMessage> stored = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> store(FailedMessage message) {
        return CompletableFuture.runAsync(() -> stored.add(message));
    }

    public List<FailedMessage> storedFor(QueueId id) {
        return stored.stream().filter(m -> m.id().equals(id)).toList();
    }

    @Override
    public CompletableFuture<List<FailedMessage>> list() {
        return CompletableFuture.completedFuture(stored.stream().map(FailedMessage::summary).toList());
    }

    @Override
    public CompletableFuture<Optional<FailedMessage>> get(QueueId id) {
        return CompletableFuture.completedFuture(stored.stream().filter(m -> m.id().equals(id)).findFirst());
    }

    @Override
    public CompletableFuture<Boolean> delete(QueueId id) {
        return CompletableFuture.completedFuture(stored.removeIf(m -> m.id().equals(id)));
    }

    @Override
    public CompletableFuture<Boolean> retry(QueueId id) {
        return CompletableFuture.completedFuture(false);
    }

    @Override
    public CompletableFuture<List<QueueId>> ids() {
        return CompletableFuture.completedFuture(stored.stream().map(FailedMessage::id).toList());
    }

    @Override
    public int count() {
        return stored.size();
    }

    @Override
    public void close() {
    }
}
