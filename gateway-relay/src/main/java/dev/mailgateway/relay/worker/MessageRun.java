package dev.mailgateway.relay.worker;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.relay.client.BatchResult;
import dev.mailgateway.relay.client.SmtpTransaction;
import dev.mailgateway.relay.client.UpstreamConnection;
import dev.mailgateway.relay.client.UpstreamException;
import dev.mailgateway.relay.pool.UpstreamPool;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches of one delivery through {@link SmtpRelayTransport}, run one after another: per
 * batch a provider by priority (failover on a provider fault), a pooled connection, one
 * transaction, the batch line, then {@code batchDelay} to the next. Loop only.
 */
final class MessageRun {

    private static final Logger log = LoggerFactory.getLogger(SmtpRelayTransport.class); // the transport's log lines
    /** Reused connections found dead in a row before a batch is deferred instead. */
    private static final int MAX_FRESH_RETRIES = 3;

    private final SmtpRelayTransport transport;
    private final Delivery d;
    private final List<ProviderConfig> providers;
    private final RelayConfig rc;
    private final int batchSize;
    private final int batchCount;
    private final int batchDelay;
    private final boolean continueOnError;
    private String lastProviderError;

    MessageRun(SmtpRelayTransport transport, Delivery d, GatewayConfig cfg) {
        this.transport = transport;
        this.d = d;
        this.providers = transport.providers(cfg);
        this.rc = cfg.relay();
        this.batchSize = cfg.batchSize();
        this.batchCount = (d.recipients().size() + batchSize - 1) / batchSize;
        this.batchDelay = cfg.batchDelay();
        this.continueOnError = cfg.continueOnError();
    }

    private List<String> recipientsOf(int batch) {
        int from = batch * batchSize;
        return d.recipients().subList(from, Math.min(d.recipients().size(), from + batchSize));
    }

    void batch(int index) {
        if (d.isFinished()) {
            return;
        }
        if (index == batchCount) {
            d.complete("451 4.3.0 no outcome recorded");
            return;
        }
        attempt(index, 0, 0);
    }

    void attempt(int index, int fromProvider, int freshRetries) {
        int p = fromProvider;
        while (p < providers.size() && !transport.health().isUp(providers.get(p))) {
            p++;
        }
        if (p == providers.size()) {
            d.complete("451 4.4.1 no upstream available: "
                    + (lastProviderError != null ? lastProviderError : "every provider is in its back-off period"));
            return;
        }
        ProviderConfig provider = providers.get(p);
        int providerIndex = p;
        UpstreamPool pool = transport.pool(provider);
        pool.acquire().addListener((Future<UpstreamConnection> f) -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                if (cause instanceof UpstreamException ue && ue.kind().isProviderFault()) {
                    lastProviderError = ue.getMessage();
                    transport.health().markDown(provider, ue.getMessage());
                    if (!d.isFinished()) {
                        attempt(index, providerIndex + 1, freshRetries);
                    }
                } else if (!d.isFinished()) {
                    d.complete("451 4.4.2 " + cause.getMessage());
                }
                return;
            }
            UpstreamConnection conn = f.getNow();
            if (d.isFinished()) {
                pool.release(conn);
                return;
            }
            transact(index, providerIndex, freshRetries, pool, conn);
        });
    }

    void transact(int index, int providerIndex, int freshRetries, UpstreamPool pool, UpstreamConnection conn) {
        List<String> rcpts = recipientsOf(index);
        boolean countedBefore = d.countsAsAttempt();
        d.countsAsAttempt(true); // connected: from here on the attempt is about this message
        d.onAbort(conn::close);
        d.relay(pool.address());
        long start = System.nanoTime();
        SmtpTransaction.run(conn, d.message().envelope(), d.body(), rcpts, rc)
                .addListener((Future<BatchResult> f) -> {
                    BatchResult r = f.getNow();
                    if (r.reusable()) {
                        pool.release(conn);
                    } else {
                        pool.discard(conn);
                    }
                    if (d.isFinished()) {
                        return; // aborted meanwhile
                    }
                    d.onAbort(null);
                    if (r.retryFresh()) {
                        d.countsAsAttempt(countedBefore); // a dead pooled connection says nothing about the message
                        // the upstream closed the pooled connection between uses: not the message's fault
                        log.debug("{} pooled connection to {} was dead, retrying batch on another",
                                d.message().id(), pool.provider().address());
                        if (freshRetries < MAX_FRESH_RETRIES) {
                            attempt(index, providerIndex, freshRetries + 1);
                        } else {
                            d.complete("451 4.4.2 connections to " + pool.provider().address()
                                    + " keep closing");
                        }
                        return;
                    }
                    transport.latencyTimer(pool).update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    d.record(r.outcomes());
                    boolean allDelivered = logBatch(index, pool.address(), r.outcomes());
                    if (!allDelivered && !continueOnError && index + 1 < batchCount) {
                        d.complete("451 4.5.3 deferred: batch " + (index + 1) + "/" + batchCount
                                + " had failures and continueOnError is false");
                        return;
                    }
                    if (index + 1 < batchCount && batchDelay > 0) {
                        ScheduledFuture<?> next = transport.loop().schedule(() -> batch(index + 1), batchDelay,
                                TimeUnit.MILLISECONDS);
                        d.onAbort(() -> next.cancel(false));
                    } else {
                        batch(index + 1);
                    }
                });
    }

    /** The per-batch line of spec section 2; true when every recipient was accepted. */
    private boolean logBatch(int index, String relay, List<RecipientOutcome> outcomes) {
        int ok = 0;
        int rejected = 0;
        int deferred = 0;
        String rejectReply = null;
        String deferReply = null;
        for (RecipientOutcome o : outcomes) {
            if (o.status() == DeliveryStatus.DELIVERED) {
                ok++;
            } else if (o.status() == DeliveryStatus.FAILED) {
                rejected++;
                rejectReply = rejectReply == null ? o.reply() : rejectReply;
            } else {
                deferred++;
                deferReply = deferReply == null ? o.reply() : deferReply;
            }
        }
        boolean verbose = batchCount > 1 || ok != outcomes.size();
        if (verbose ? log.isInfoEnabled() : log.isDebugEnabled()) {
            StringBuilder sb = new StringBuilder(128)
                    .append(d.message().id()).append(" batch ").append(index + 1).append('/')
                    .append(batchCount).append(" via ").append(relay).append(": ")
                    .append(outcomes.size()).append(" recipients, ").append(ok).append(" accepted, ")
                    .append(rejected).append(" rejected");
            if (rejected > 0) {
                sb.append(" (").append(rejectReply).append(')');
            }
            if (deferred > 0) {
                sb.append(", ").append(deferred).append(" deferred (").append(deferReply).append(')');
            }
            if (verbose) {
                log.info("{}", sb);
            } else {
                log.debug("{}", sb);
            }
        }
        return ok == outcomes.size();
    }
}
