package dev.mailgateway.relay;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.MessageIngress;
import java.io.Closeable;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-sends the failed store's messages: all of them on demand ({@code POST /admin/retry-failed})
 * and every {@code retry.failedRetryIntervalMs}. This is delivery policy, so it lives here and
 * not in the store: the store ({@link FailedStore}) only lists ids and re-sends one id.
 *
 * <p>Pacing: oldest first, one at a time (the next starts when the ingress has the previous
 * one); a run stops early, counting what was re-queued, when the ingress stops admitting (queues
 * full, disk low) or a re-send fails. A periodic run still going when the next is due is not
 * overlapped.
 *
 * <p>Threads: its own thread ({@code failed-resend}) runs the pacing; the store and the ingress
 * do their work on theirs.
 */
public final class FailedResender implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(FailedResender.class);
    /** How often a disabled periodic re-send (interval 0) looks whether a reload enabled it. */
    static final long DISABLED_RECHECK_MS = 60_000;

    private final FailedStore store;
    private final MessageIngress ingress;
    private final ScheduledExecutorService executor;
    // failed-resend thread only
    private boolean periodicRunning;
    private ScheduledFuture<?> periodic;

    public FailedResender(FailedStore store, MessageIngress ingress) {
        this.store = store;
        this.ingress = ingress;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "failed-resend");
            t.setDaemon(true);
            return t;
        });
    }

    /** Re-sends every stored message (paced as above); completes with how many were re-queued. */
    public CompletableFuture<Integer> retryAll() {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        try {
            store.ids().whenCompleteAsync((List<QueueId> ids, Throwable err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                } else {
                    resendNext(ids.iterator(), 0, result);
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the failed-store re-sender is closed"));
        }
        return result;
    }

    /** Re-sends everything every {@code intervalMs} (retry.failedRetryIntervalMs); 0 = never. */
    public void startPeriodicRetry(long intervalMs) {
        startPeriodicRetry(() -> intervalMs);
    }

    /**
     * Re-sends everything every {@code intervalMs.getAsLong()} milliseconds, read again before each
     * wait, so a reload of {@code retry.failedRetryIntervalMs} applies from the next run on. While
     * it reads 0 (never), it is looked at again every {@link #DISABLED_RECHECK_MS}.
     */
    public void startPeriodicRetry(LongSupplier intervalMs) {
        executor.execute(() -> armPeriodic(intervalMs));
    }

    // failed-resend thread
    private void armPeriodic(LongSupplier intervalMs) {
        if (executor.isShutdown()) {
            return;
        }
        long ms = intervalMs.getAsLong();
        periodic = executor.schedule(() -> {
            if (ms > 0) {
                periodicRetry();
            }
            armPeriodic(intervalMs);
        }, ms > 0 ? ms : DISABLED_RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (executor.isShutdown()) {
            return;
        }
        executor.execute(() -> {
            if (periodic != null) {
                periodic.cancel(false);
            }
        });
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("failed-store re-sender: still busy after 10 s, closing anyway");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------- failed-resend thread

    private void periodicRetry() {
        if (periodicRunning || store.count() == 0) {
            return;
        }
        periodicRunning = true;
        retryAll().whenCompleteAsync((n, err) -> {
            periodicRunning = false;
            if (n != null && n > 0) {
                log.info("failed store: periodic retry re-queued {} messages", n);
            }
        }, executor);
    }

    private void resendNext(Iterator<QueueId> ids, int done, CompletableFuture<Integer> result) {
        if (!ids.hasNext()) {
            result.complete(done);
            return;
        }
        MessageIngress.Admission admission = ingress.admission();
        if (admission != MessageIngress.Admission.OK) {
            log.info("failed store: re-send paused after {} messages: ingress says {}", done, admission);
            result.complete(done);
            return;
        }
        store.retry(ids.next()).whenCompleteAsync((ok, err) -> {
            if (err != null) {
                log.warn("failed store: re-send stopped after {} messages: {}", done, err.toString());
                result.complete(done);
            } else {
                resendNext(ids, done + (ok ? 1 : 0), result); // false: gone or corrupt, next one
            }
        }, executor);
    }
}
