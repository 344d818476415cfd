package dev.mailgateway.relay.worker;

import com.codahale.metrics.Timer;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.relay.RelayMetrics;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.pool.ProviderHealth;
import dev.mailgateway.relay.pool.UpstreamPool;
import io.netty.channel.EventLoop;
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
        new MessageRun(this, delivery, cfg).batch(0);
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

    EventLoop loop() {
        return loop;
    }

    ProviderHealth health() {
        return health;
    }

    /** effectiveProviders() sorts and allocates: compute once per configuration instance. */
    List<ProviderConfig> providers(GatewayConfig cfg) {
        if (cfg != providersOf) {
            providers = cfg.effectiveProviders();
            providersOf = cfg;
        }
        return providers;
    }

    UpstreamPool pool(ProviderConfig provider) {
        UpstreamPool pool = pools.get(provider);
        if (pool == null) {
            pool = new UpstreamPool(provider, loop, connector, () -> config.current().relay());
            pools.put(provider, pool);
        }
        return pool;
    }

    Timer latencyTimer(UpstreamPool pool) {
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
