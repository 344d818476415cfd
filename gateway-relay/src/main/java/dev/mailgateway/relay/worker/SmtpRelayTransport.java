package dev.mailgateway.relay.worker;

import com.codahale.metrics.Timer;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.relay.RelayMetrics;
import dev.mailgateway.relay.client.BatchResult;
import dev.mailgateway.relay.client.SmtpTransaction;
import dev.mailgateway.relay.client.UpstreamConnection;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.client.UpstreamException;
import dev.mailgateway.relay.pool.ProviderHealth;
import dev.mailgateway.relay.pool.UpstreamPool;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers to upstream providers for one worker: splits the recipients into batches of
 * {@code batchSize} (spec section 2), one SMTP transaction per batch on a pooled connection,
 * {@code batchDelay} ms between batches (a loop timer), {@code continueOnError} deciding whether
 * a failed batch defers the rest. Providers are tried by priority; one that fails to connect,
 * greet, EHLO, STARTTLS or AUTH is marked down in the shared {@link ProviderHealth} and the
 * batch moves to the next. A reply to MAIL/RCPT/DATA is about the message: no failover.
 *
 * <p>Providers, batching and timeouts are read from {@link LiveConfig#current()} per attempt,
 * so a reload applies to the next message. Loop only.
 */
public final class SmtpRelayTransport implements DeliveryTransport {

    private static final Logger log = LoggerFactory.getLogger(SmtpRelayTransport.class);
    /** Reused connections found dead in a row before a batch is deferred instead. */
    private static final int MAX_FRESH_RETRIES = 3;
    /** Deliveries in flight per pooled connection allowed (see {@link #maxConcurrent()}). */
    private static final int CONCURRENCY_PER_CONNECTION = 4;

    private final EventLoop loop;
    private final LiveConfig config;
    private final ProviderHealth health;
    private final UpstreamConnector connector;
    private final RelayMetrics metrics;
    private final Map<ProviderConfig, UpstreamPool> pools = new HashMap<>();
    private final Map<UpstreamPool, Timer> latency = new HashMap<>();
    private final ScheduledFuture<?> evictor;
    private GatewayConfig providersOf; // the config providers was computed from (loop only)
    private List<ProviderConfig> providers = List.of();
    private volatile int openGauge;
    private volatile int idleGauge;

    public SmtpRelayTransport(EventLoop loop, LiveConfig config, ProviderHealth health,
                              UpstreamConnector connector, RelayMetrics metrics) {
        this.loop = loop;
        this.config = config;
        this.health = health;
        this.connector = connector;
        this.metrics = metrics;
        this.evictor = loop.scheduleWithFixedDelay(this::evictIdle, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * More deliveries than connections: a message sleeping through {@code batchDelay} or reading
     * its content holds no connection, and one waiting for a connection is served FIFO by the pool
     * the moment one is released.
     */
    @Override
    public int maxConcurrent() {
        return config.current().relay().poolMaxPerUpstream() * CONCURRENCY_PER_CONNECTION;
    }

    @Override
    public void deliver(Delivery delivery) {
        GatewayConfig cfg = config.current();
        delivery.countsAsAttempt(false); // until an upstream is actually talked to (transact)
        new MessageRun(delivery, cfg).batch(0);
    }

    /** False while every configured provider's breaker is open (the worker then holds its mail). */
    @Override
    public boolean ready() {
        return health.anyUp(providers(config.current()));
    }

    @Override
    public void onReady(Runnable listener) {
        health.onUp(listener);
    }

    @Override
    public String notReadyReason() {
        List<String> problems = health.problemsIfAllDown(providers(config.current()));
        return problems.isEmpty() ? "every provider is in its back-off period" : problems.get(0);
    }

    /** The batches of one delivery, run one after another. */
    private final class MessageRun {
        private final Delivery d;
        private final List<ProviderConfig> providers;
        private final RelayConfig rc;
        private final int batchSize;
        private final int batchCount;
        private final int batchDelay;
        private final boolean continueOnError;
        private String lastProviderError;

        MessageRun(Delivery d, GatewayConfig cfg) {
            this.d = d;
            this.providers = providers(cfg);
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
            while (p < providers.size() && !health.isUp(providers.get(p))) {
                p++;
            }
            if (p == providers.size()) {
                d.complete("451 4.4.1 no upstream available: "
                        + (lastProviderError != null ? lastProviderError : "every provider is in its back-off period"));
                return;
            }
            ProviderConfig provider = providers.get(p);
            int providerIndex = p;
            UpstreamPool pool = pool(provider);
            pool.acquire().addListener((Future<UpstreamConnection> f) -> {
                if (!f.isSuccess()) {
                    Throwable cause = f.cause();
                    if (cause instanceof UpstreamException ue && ue.kind().isProviderFault()) {
                        lastProviderError = ue.getMessage();
                        health.markDown(provider, ue.getMessage());
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
                        latencyTimer(pool).update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        d.record(r.outcomes());
                        boolean allDelivered = logBatch(index, pool.address(), r.outcomes());
                        if (!allDelivered && !continueOnError && index + 1 < batchCount) {
                            d.complete("451 4.5.3 deferred: batch " + (index + 1) + "/" + batchCount
                                    + " had failures and continueOnError is false");
                            return;
                        }
                        if (index + 1 < batchCount && batchDelay > 0) {
                            ScheduledFuture<?> next = loop.schedule(() -> batch(index + 1), batchDelay,
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

    /** effectiveProviders() sorts and allocates: compute once per configuration instance. */
    private List<ProviderConfig> providers(GatewayConfig cfg) {
        if (cfg != providersOf) {
            providers = cfg.effectiveProviders();
            providersOf = cfg;
        }
        return providers;
    }

    private UpstreamPool pool(ProviderConfig provider) {
        UpstreamPool pool = pools.get(provider);
        if (pool == null) {
            pool = new UpstreamPool(provider, loop, connector, () -> config.current().relay());
            pools.put(provider, pool);
        }
        return pool;
    }

    private Timer latencyTimer(UpstreamPool pool) {
        Timer t = latency.get(pool);
        if (t == null) {
            t = metrics.providerLatency(pool.address()); // Prometheus: a provider="host:port" label
            latency.put(pool, t);
        }
        return t;
    }

    private void evictIdle() {
        int open = 0;
        int idle = 0;
        for (UpstreamPool p : pools.values()) {
            p.evictIdle();
            open += p.openCount();
            idle += p.idleCount();
        }
        openGauge = open;
        idleGauge = idle;
    }

    @Override
    public int openConnections() {
        return openGauge;
    }

    @Override
    public int idleConnections() {
        return idleGauge;
    }

    @Override
    public void close() {
        evictor.cancel(false);
        for (UpstreamPool p : pools.values()) {
            p.close();
        }
    }
}
