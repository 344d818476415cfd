package dev.mailgateway.admin;

import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.FailedStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A test double of the failed store (the real one lives in gateway-core): messages in a map,
 * every call completed on the store's own thread like the real one, and a retry moves the
 * message to {@link #requeued} (standing in for the ingress).
 */
final class InMemoryFailedStore implements FailedStore {

    static final String THREAD = "failed-store-test";

    private final Map<QueueId, FailedMessage> messages = new LinkedHashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, THREAD);
        t.setDaemon(true);
        return t;
    });
    /** Messages re-sent through retry or retryAll, in order. */
    final List<FailedMessage> requeued = new CopyOnWriteArrayList<>();
    /** Threads the store's futures completed on. */
    final List<String> completionThreads = new CopyOnWriteArrayList<>();
    /** When set, every call fails with this. */
    volatile RuntimeException failure;
    /** When set, every call counts {@link #entered} down, then waits (at most 10 s) for this. */
    volatile CountDownLatch gate;
    final CountDownLatch entered = new CountDownLatch(1);

    void put(FailedMessage m) {
        synchronized (messages) {
            messages.put(m.id(), m);
        }
    }

    private <T> CompletableFuture<T> async(Supplier<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            completionThreads.add(Thread.currentThread().getName());
            CountDownLatch g = gate;
            if (g != null) {
                entered.countDown();
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
            synchronized (messages) {
                return work.get();
            }
        }, executor);
    }

    @Override
    public CompletableFuture<Void> store(FailedMessage message) {
        return async(() -> {
            messages.put(message.id(), message);
            return null;
        });
    }

    @Override
    public CompletableFuture<List<FailedMessage>> list() {
        return async(() -> messages.values().stream().map(FailedMessage::summary).toList());
    }

    @Override
    public CompletableFuture<Optional<FailedMessage>> get(QueueId id) {
        return async(() -> Optional.ofNullable(messages.get(id)));
    }

    @Override
    public CompletableFuture<Boolean> delete(QueueId id) {
        return async(() -> messages.remove(id) != null);
    }

    @Override
    public CompletableFuture<Boolean> retry(QueueId id) {
        return async(() -> {
            FailedMessage m = messages.remove(id);
            if (m == null) {
                return false;
            }
            requeued.add(m);
            return true;
        });
    }

    @Override
    public CompletableFuture<List<QueueId>> ids() {
        return async(() -> List.copyOf(messages.keySet()));
    }

    /** What the admin's retry-all runs in these tests (in the gateway: the relay's FailedResender). */
    public CompletableFuture<Integer> retryAll() {
        return async(() -> {
            List<FailedMessage> all = new ArrayList<>(messages.values());
            messages.clear();
            requeued.addAll(all);
            return all.size();
        });
    }

    @Override
    public int count() {
        synchronized (messages) {
            return messages.size();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
