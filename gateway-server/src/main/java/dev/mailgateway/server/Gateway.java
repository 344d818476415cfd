package dev.mailgateway.server;

import dev.mailgateway.admin.AdminServer;
import dev.mailgateway.core.config.ConfigReload;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FileFailedStore;
import dev.mailgateway.core.spool.FileSpool;
import dev.mailgateway.core.spool.SpoolHealthCheck;
import dev.mailgateway.core.spool.SpoolingIngress;
import dev.mailgateway.relay.FailedResender;
import dev.mailgateway.relay.RelayService;
import dev.mailgateway.smtp.server.SmtpServer;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * the listeners), then {@link #close()} once (idempotent). Shutdown runs in reverse: admin,
 * SMTP (stop accepting; in-flight transactions get {@code smtp.shutdownGraceSec}), relay
 * (in-flight deliveries finish or stay in the spool), failed store, spool (last fsync), event
 * loop groups.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** How long the relay's in-flight deliveries may take to finish at shutdown. */
    static final Duration RELAY_GRACE = Duration.ofSeconds(10);

    /** The addresses actually bound (a configured port 0 becomes the real port); admin may be null. */
    public record Bound(InetSocketAddress smtp, InetSocketAddress admin) {
    }

    private final LiveConfig liveConfig;
    private final GatewayConfig config;
    private final String configSource;
    private final Path emailsDir;
    private final NettyTransport transport;
    private final GatewayMetrics metrics;
    private final QueueIdGenerator ids;
    private final Dispatcher dispatcher;
    private final EventLoopGroup smtpBossGroup;
    private final EventLoopGroup smtpIoGroup;
    private final EventLoopGroup relayGroup;
    private final EventLoopGroup adminGroup;
    private final FileSpool spool;
    private final SpoolingIngress ingress;
    private final FileFailedStore failed;
    private final FailedResender failedResender;
    private final RelayService relay;
    private final SmtpServer smtp;
    private final AdminServer admin;
    /** Backs POST /admin/reload; set by the launcher once its ConfigReloader exists. */
    private volatile ConfigReload reloadAction;
    /** What to close, last created first. */
    private final Deque<Closer> closers = new ArrayDeque<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates every component. Nothing listens and nothing is read from the spool until
     * {@link #start()}.
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
            adminGroup = config.enableHealthCheck() ? group(1, "admin-io") : null;

            spool = new FileSpool(emailsDir.resolve("spool"), config.spool(), metrics);
            closers.push(new Closer("spool", spool::close));
            dispatcher.keepWaitingIn(spool.waitingList()); // #12: a waiting message is an index entry, not an envelope
            ingress = new SpoolingIngress(spool, dispatcher, config.spool());
            failed = new FileFailedStore(emailsDir.resolve("failed"), ingress, metrics);
            closers.push(new Closer("failed store", failed::close));
            failedResender = new FailedResender(failed, ingress); // paced and periodic re-sends
            closers.push(new Closer("failed-store re-sender", failedResender::close));
            HealthCheck spoolHealth = new SpoolHealthCheck(spool, config.spool());

            relay = new RelayService(liveConfig, dispatcher, spool, failed, metrics, transport, relayGroup);
            closers.push(new Closer("relay", () -> await(relay.shutdown(RELAY_GRACE), RELAY_GRACE)));

            smtp = new SmtpServer(liveConfig, ingress, metrics, ids, transport, smtpBossGroup, smtpIoGroup);
            closers.push(new Closer("SMTP", () -> {
                ingress.shutdown();
                Duration grace = Duration.ofSeconds(config.smtp().shutdownGraceSec());
                await(smtp.shutdown(grace), grace);
            }));

            if (config.enableHealthCheck()) {
                admin = new AdminServer(config, metrics, spool, dispatcher, failed, failedResender::retryAll,
                        List.of(spoolHealth, relay.healthCheck(), smtp.healthCheck()), transport, adminGroup, () -> {
                            ConfigReload r = reloadAction;
                            return r == null ? ConfigReload.Result.failed("config reload is not set up yet")
                                    : r.reload();
                        });
                closers.push(new Closer("admin", admin::close));
            } else {
                admin = null;
            }
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
     * the SMTP and admin listeners, logging what runs where.
     *
     * @return the bound addresses
     * @throws IllegalStateException when a listener cannot bind (the caller closes the gateway)
     */
    public Bound start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        log.info("config: {}", configSource);
        log.info("transport: {}", transport.name());
        int recovered = spool.recoverInto(dispatcher); // oldest first; only the window's envelopes are read
        relay.start();
        log.info("spool: {} recovered message(s) queued for delivery", recovered);
        log.info("delivery: {}", deliveryMode(config, emailsDir));
        failedResender.startPeriodicRetry(() -> liveConfig.settings().retry().failedRetryIntervalMs()); // reloadable

        InetSocketAddress smtpAddress = smtp.start();
        log.info("SMTP listening on {}:{} ({})", smtpAddress.getHostString(), smtpAddress.getPort(),
                config.tls().enabled() ? "STARTTLS available" : "no TLS");
        InetSocketAddress adminAddress = null;
        if (admin != null) {
            adminAddress = admin.start();
            log.info("admin HTTP listening on {}:{} (no TLS)", adminAddress.getHostString(),
                    adminAddress.getPort());
        } else {
            log.info("admin HTTP: disabled (enableHealthCheck is false)");
        }
        return new Bound(smtpAddress, adminAddress);
    }

    /** What {@code POST /admin/reload} runs: the launcher passes the same reload as SIGHUP. */
    public void reloadWith(ConfigReload reload) {
        this.reloadAction = reload;
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
            } catch (Exception e) {
                log.warn("shutdown: closing {} failed: {}", c.name, e.toString());
            }
        }
    }

    /** Waits for a shutdown step, a little longer than its own grace period. */
    private static void await(CompletableFuture<Void> step, Duration grace) {
        try {
            step.get(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("shutdown step did not complete cleanly: {}", e.toString());
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

    private record Closer(String name, ThrowingRunnable action) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
