package dev.mailgateway.relay;

import dev.mailgateway.core.net.LocalHostName;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.DispatchQueue;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.Spool;
import dev.mailgateway.relay.client.UpstreamConnection;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.client.UpstreamResolver;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.relay.client.UpstreamTlsPolicies;
import dev.mailgateway.relay.local.LocalDeliveryTransport;
import dev.mailgateway.relay.pool.ProviderHealth;
import dev.mailgateway.relay.worker.DeliveryTransport;
import dev.mailgateway.relay.worker.RelayWorker;
import dev.mailgateway.relay.worker.SmtpRelayTransport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: one {@link RelayWorker} per dispatcher queue, each on one event loop of the relay
 * group, delivering through upstream SMTP ({@code forwardSMTP} true, providers from
 * {@code config.effectiveProviders()}) or to local files ({@code <emailsDir>/local/}).
 *
 * <p>Call order: construct, {@link #start()} (before messages are dispatched), then
 * {@link #shutdown} once. The delivery mode is fixed at start; providers, batching, retry and
 * timeouts are read from {@link LiveConfig#current()} per attempt.
 */
public final class RelayService {

    private static final Logger log = LoggerFactory.getLogger(RelayService.class);


    private final LiveConfig config;
    private final Dispatcher dispatcher;
    private final Spool spool;
    private final FailedStore failedStore;
    private final GatewayMetrics metrics;
    private final RelayMetrics relayMetrics;
    private final NettyTransport transport;
    private final EventLoopGroup group;
    private UpstreamTls tls;
    private AddressResolverGroup<InetSocketAddress> resolver;
    private volatile UpstreamTlsPolicies tlsPolicies;
    private final ProviderHealth health = new ProviderHealth();
    private final AtomicInteger retryWaiting = new AtomicInteger();
    private final List<RelayWorker> workers = new ArrayList<>();
    private final boolean local;
    private ExecutorService localWriter;

    public RelayService(LiveConfig config, Dispatcher dispatcher, Spool spool, FailedStore failedStore,
                        GatewayMetrics metrics, NettyTransport transport, EventLoopGroup group) {
        this(config, dispatcher, spool, failedStore, metrics, transport, group, null);
    }

    /**
     * As above, with a custom TLS client context for every upstream (tests, embedders); null means
     * one context per provider TLS level and {@code tlsCaFile}, built at start when forwarding.
     */
    public RelayService(LiveConfig config, Dispatcher dispatcher, Spool spool, FailedStore failedStore,
                        GatewayMetrics metrics, NettyTransport transport, EventLoopGroup group,
                        UpstreamTls tls) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.spool = spool;
        this.failedStore = failedStore;
        this.metrics = metrics;
        this.relayMetrics = new RelayMetrics(metrics);
        this.transport = transport;
        this.group = group;
        this.tls = tls;
        this.local = !config.current().forwardSMTP();
    }

    /**
     * Resolves provider host names with {@code resolver} instead of the system's name servers
     * (tests: a DNS server on 127.0.0.1). Call before {@link #start()}.
     */
    public synchronized void resolver(AddressResolverGroup<InetSocketAddress> resolver) {
        this.resolver = resolver;
    }

    /** Creates and binds the workers, registers gauges. Call once, before dispatching. */
    public synchronized void start() {
        GatewayConfig cfg = config.current();
        UpstreamConnector connector = null;
        if (!local) {
            tlsPolicies = new UpstreamTlsPolicies(tls); // null tls: one context per TLS level / CA file
            tlsPolicies.prepare(cfg.effectiveProviders());
            if (resolver == null) {
                resolver = UpstreamResolver.system(transport);
            }
            connector = new UpstreamConnector(transport, tlsPolicies, heloName(cfg), resolver);
        }
        Path localDir = Path.of(cfg.emailsDir()).resolve("local");
        if (!local) {
            startProbing(connector);
        }
        if (local) {
            localWriter = Executors.newSingleThreadExecutor(new DefaultThreadFactory("relay-local", true));
        }
        RelayWorker.Shared shared = new RelayWorker.Shared(dispatcher, spool, failedStore, config, relayMetrics,
                retryWaiting, Clock.systemUTC());
        for (int i = 0; i < dispatcher.workerCount(); i++) {
            EventLoop loop = group.next();
            DeliveryTransport t = local
                    ? new LocalDeliveryTransport(loop, localDir, cfg.spool().fsync(), localWriter)
                    : new SmtpRelayTransport(loop, config, health, connector, relayMetrics);
            DispatchQueue queue = dispatcher.queue(i);
            RelayWorker worker = new RelayWorker(i, loop, queue, t, shared);
            workers.add(worker);
            queue.bindConsumer(loop, worker::drain);
        }
        metrics.gauge(RelayMetrics.RETRY_WAITING, retryWaiting::get);
        metrics.gauge(RelayMetrics.WAITING_PROVIDER, () -> workers.stream().mapToInt(RelayWorker::waitingForProvider).sum());
        if (!local) {
            metrics.gauge(RelayMetrics.PROVIDERS, this::providerStates);
            registerProviderGauges();
        }
        metrics.gauge(RelayMetrics.POOL_OPEN, () -> workers.stream().mapToInt(w -> w.transport().openConnections()).sum());
        metrics.gauge(RelayMetrics.POOL_IDLE, () -> workers.stream().mapToInt(w -> w.transport().idleConnections()).sum());
        log.info("relay started: {} worker(s), delivery {}", workers.size(), local
                ? "local to " + localDir.toAbsolutePath()
                : "via " + cfg.effectiveProviders().stream().map(p -> p.address()).toList());
    }

    /** Probes run on one relay loop: connect + greeting + EHLO (+ STARTTLS, AUTH), then QUIT. */
    private void startProbing(UpstreamConnector connector) {
        EventLoop probeLoop = group.next();
        health.startProbing(probeLoop, p -> {
            Promise<Void> done = probeLoop.newPromise();
            connector.connect(p, config.current().relay(), probeLoop).addListener(
                    (io.netty.util.concurrent.Future<UpstreamConnection> f) -> {
                        if (f.isSuccess()) {
                            f.getNow().quit();
                            done.trySuccess(null);
                        } else {
                            done.tryFailure(f.cause());
                        }
                    });
            return done;
        }, () -> config.current().relay().providerBackoffSec(), () -> config.current().effectiveProviders());
    }

    /**
     * Prometheus families with a {@code provider} label (issue #14: the address is a label, not
     * part of the name): {@code relay.provider.up} (1/0), {@code relay.provider.down_since_seconds}
     * and {@code relay.provider.next_probe_seconds} (Unix seconds, 0 when up). The suppliers read
     * the current provider list, so providers added by a reload appear without re-registering.
     */
    private void registerProviderGauges() {
        metrics.labelledGauge("relay.provider.up", "provider",
                "1 when the upstream provider is usable, 0 while it is down (until a probe succeeds).",
                () -> providerValues(st -> st.up() ? 1 : 0));
        metrics.labelledGauge("relay.provider.down_since_seconds", "provider",
                "Unix time since which the upstream provider is down, 0 while it is up.",
                () -> providerValues(st -> epochOrZero(st.downSince())));
        metrics.labelledGauge("relay.provider.next_probe_seconds", "provider",
                "Unix time of the next probe of a down upstream provider, 0 while it is up.",
                () -> providerValues(st -> epochOrZero(st.nextProbe())));
    }

    private Map<String, Long> providerValues(java.util.function.ToLongFunction<ProviderHealth.State> value) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ProviderHealth.State st : health.states(config.current().effectiveProviders())) {
            out.put(st.address(), value.applyAsLong(st));
        }
        return out;
    }

    private static long epochOrZero(java.time.Instant t) {
        return t == null ? 0 : t.getEpochSecond();
    }

    /**
     * Each provider's state, in priority order, as plain maps (what {@code /admin/queue} and
     * {@code /metrics} print): address, state up|down, downSince, nextProbe, reason.
     */
    public List<Map<String, Object>> providerStates() {
        if (local) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProviderHealth.State st : health.states(config.current().effectiveProviders())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", st.address());
            m.put("state", st.up() ? "up" : "down");
            m.put("downSince", st.downSince() == null ? null : st.downSince().toString());
            m.put("nextProbe", st.nextProbe() == null ? null : st.nextProbe().toString());
            m.put("reason", st.reason());
            out.add(m);
        }
        return out;
    }

    /** Problems when every upstream provider is in its back-off period; none in local mode. */
    public HealthCheck healthCheck() {
        return new HealthCheck() {
            @Override
            public List<String> problems() {
                return local ? List.of() : health.problemsIfAllDown(config.current().effectiveProviders());
            }

            /** Each provider's TLS level and last TLS outcome (issue #14: say why a handshake failed). */
            @Override
            public java.util.Map<String, Object> details() {
                UpstreamTlsPolicies p = tlsPolicies;
                return local || p == null ? java.util.Map.of()
                        : java.util.Map.of("providers", p.describe(config.current().effectiveProviders()));
            }
        };
    }

    /** Messages waiting for a retry timer. */
    public int retryWaiting() {
        return retryWaiting.get();
    }

    /**
     * Stops polling; in-flight deliveries get {@code grace} to finish. Whatever is unfinished
     * then stays in the spool and is recovered at the next start. Completes when done.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        health.stopProbing();
        List<RelayWorker> ws;
        synchronized (this) {
            ws = List.copyOf(workers);
        }
        if (ws.isEmpty()) {
            stopLocalWriter();
            result.complete(null);
            return result;
        }
        AtomicInteger remaining = new AtomicInteger(ws.size());
        for (RelayWorker w : ws) {
            EventLoop loop = w.loop();
            Promise<Void> idle = loop.newPromise();
            loop.execute(() -> w.stop(idle));
            io.netty.util.concurrent.ScheduledFuture<?> deadline = loop.schedule(() -> {
                if (!idle.isDone()) {
                    log.warn("relay worker still busy after {} ms; unfinished messages stay in the spool",
                            grace.toMillis());
                    w.abandon();
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
            idle.addListener(f -> {
                deadline.cancel(false);
                w.transport().close();
                if (remaining.decrementAndGet() == 0) {
                    stopLocalWriter();
                    result.complete(null);
                }
            });
        }
        return result;
    }

    private void stopLocalWriter() {
        if (localWriter != null) {
            localWriter.shutdown();
        }
        if (resolver != null) {
            resolver.close();
        }
    }

    private static String heloName(GatewayConfig cfg) {
        return LocalHostName.orConfigured(cfg.smtp().hostname());
    }
}
