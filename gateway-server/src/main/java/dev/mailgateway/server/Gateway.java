package dev.mailgateway.server;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: creates the event loops, metrics, spool, queues, relay, SMTP and admin
 * servers and passes each its collaborators by constructor (no DI, no static singletons).
 *
 * <p>Life cycle: construct (creates the components, opens nothing to the network), then
 * {@link #start()} once (recovers the spool, starts the relay, dispatches recovered mail, binds
 * the listeners), then {@link #close()} once (idempotent; reverse order: admin, SMTP with
 * {@code smtp.shutdownGraceSec} for in-flight transactions, relay, failed store, spool (last
 * fsync), event loop groups).
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** The addresses actually bound (a configured port 0 becomes the real port); admin may be null. */
    public record Bound(InetSocketAddress smtp, InetSocketAddress admin) {
    }

    private final LiveConfig liveConfig;
    private final GatewayConfig config;
    private final String configSource;
    private final NettyTransport transport;
    private final GatewayMetrics metrics;
    private final QueueIdGenerator ids;
    private final Dispatcher dispatcher;
    private final EventLoopGroup smtpBossGroup;
    private final EventLoopGroup smtpIoGroup;
    private final EventLoopGroup relayGroup;
    private final EventLoopGroup adminGroup;
    private final Path emailsDir;
    /** What to close, last created first. */
    private final Deque<Closer> closers = new ArrayDeque<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates every component. Nothing listens until {@link #start()}.
     *
     * @param config       the validated configuration
     * @param configSource where it came from, for the start-up log
     */
    public Gateway(GatewayConfig config, String configSource) {
        this.config = config;
        this.configSource = configSource;
        this.liveConfig = new LiveConfig(config);
        this.emailsDir = Path.of(config.emailsDir()).toAbsolutePath();
        this.transport = NettyTransport.detect();
        this.metrics = new GatewayMetrics();
        this.ids = new QueueIdGenerator();
        this.dispatcher = new Dispatcher(config.workerCount(), config.queueSize());
        metrics.gauge(GatewayMetrics.QUEUE_DEPTH, dispatcher::depth);
        metrics.gauge(GatewayMetrics.QUEUE_OVERFLOW, dispatcher::overflowSize);

        int cores = Runtime.getRuntime().availableProcessors();
        try {
            smtpBossGroup = group(1, "smtp-boss");
            smtpIoGroup = group(cores, "smtp-io");
            relayGroup = group(Math.max(1, Math.min(config.workerCount(), cores)), "relay-io");
            adminGroup = group(1, "admin-io");
            // TODO(spool, #3): FileSpool(emailsDir/spool) + SpoolingIngress + FileFailedStore
            //   (+ startPeriodicRetry(retry.failedRetryIntervalMs)) + SpoolHealthCheck, once
            //   gateway-core's spool lands (docs/architecture.md "Module entry points").
            // TODO(relay, #5): RelayService(liveConfig, dispatcher, spool, failed, metrics,
            //   transport, relayGroup) once gateway-relay lands.
            // TODO(smtp, #4): SmtpServer(liveConfig, ingress, metrics, ids, transport,
            //   smtpBossGroup, smtpIoGroup) once gateway-smtp lands.
            // TODO(admin, #6): AdminServer(config, metrics, spool, dispatcher, failed,
            //   healthChecks, transport, adminGroup) when enableHealthCheck, once gateway-admin lands.
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
    }

    private EventLoopGroup group(int threads, String name) {
        EventLoopGroup g = transport.newGroup(threads, name);
        closers.push(new Closer(name, () -> g.shutdownGracefully(0, 5, TimeUnit.SECONDS)
                .syncUninterruptibly()));
        return g;
    }

    /**
     * Recovers the spool, starts the relay and dispatches the recovered messages, then binds
     * the SMTP and admin listeners and logs what runs where.
     *
     * @return the bound addresses
     */
    public Bound start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        log.info("config: {}", configSource);
        log.info("transport: {}", transport.name());
        int recovered = 0;
        // TODO(spool, relay): List<SpooledMessage> rec = spool.recover(); relay.start();
        //   rec.forEach(dispatcher::dispatch); recovered = rec.size();
        log.info("spool: {} recovered message(s) queued for delivery", recovered);
        log.info("delivery: {}", deliveryMode(config, emailsDir));
        InetSocketAddress smtpAddress = null;
        // TODO(smtp): smtpAddress = smtp.start();
        if (smtpAddress != null) {
            log.info("SMTP listening on {}:{} ({})", smtpAddress.getHostString(), smtpAddress.getPort(),
                    config.tls().enabled() ? "STARTTLS available" : "no TLS");
        } else {
            log.warn("SMTP: not wired yet (gateway-smtp has not landed)");
        }
        InetSocketAddress adminAddress = null;
        if (config.enableHealthCheck()) {
            // TODO(admin): adminAddress = admin.start();
            if (adminAddress != null) {
                log.info("admin HTTP listening on {}:{} (no TLS)", adminAddress.getHostString(),
                        adminAddress.getPort());
            }
        } else {
            log.info("admin HTTP: disabled (enableHealthCheck is false)");
        }
        return new Bound(smtpAddress, adminAddress);
    }

    /** The live configuration: {@link ConfigReloader} replaces it on SIGHUP. */
    public LiveConfig liveConfig() {
        return liveConfig;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Stops in reverse order of creation; in-flight SMTP transactions get smtp.shutdownGraceSec. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("shutting down (in-flight SMTP transactions get up to {} s)",
                config.smtp().shutdownGraceSec());
        closeAll();
        log.info("stopped");
    }

    private void closeAll() {
        Closer c;
        while ((c = closers.poll()) != null) {
            try {
                c.action.run();
            } catch (RuntimeException e) {
                log.warn("shutdown: closing {} failed: {}", c.name, e.toString());
            }
        }
    }

    /** "local (dir)", "forward to host:port (SSL)" or "providers a:587 (priority 0), ...". */
    static String deliveryMode(GatewayConfig config, Path emailsDir) {
        if (!config.forwardSMTP()) {
            return "local, each message written to " + emailsDir.resolve("local") + "/<queue-id>.eml";
        }
        if (config.forwardProviders().isEmpty()) {
            ProviderConfig p = config.effectiveProviders().get(0);
            return "forward to " + p.address() + (p.ssl() ? " (SSL)" : "")
                    + (p.hasCredentials() ? " with AUTH as " + p.username() : "");
        }
        return "providers " + config.effectiveProviders().stream()
                .map(p -> p.address() + (p.ssl() ? " SSL" : "") + " (priority " + p.priority() + ")")
                .collect(Collectors.joining(", "));
    }

    private record Closer(String name, Runnable action) {
    }
}
