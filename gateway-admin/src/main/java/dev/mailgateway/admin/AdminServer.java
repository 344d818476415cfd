package dev.mailgateway.admin;

import dev.mailgateway.core.config.ConfigReload;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.Spool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server on {@code adminHost:healthCheckPort}: {@code /health}, {@code /metrics},
 * {@code /metrics/prometheus} and the {@code /admin/*} recovery endpoints (docs/admin.md).
 *
 * <p>Call order: construct, {@link #start()} once, {@link #close()} once. The event loop
 * group is the caller's (the composition root creates and shuts it down); one thread is
 * plenty. Whether to start it at all ({@code enableHealthCheck}) is the caller's decision.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final String host;
    private final int port;
    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final AdminInitializer initializer;
    private final ChannelGroup channels = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);
    private volatile Channel serverChannel;
    private final ReloadEndpoint reload;

    public AdminServer(GatewayConfig config, GatewayMetrics metrics, Spool spool, Dispatcher dispatcher,
            FailedStore failedStore, Supplier<CompletableFuture<Integer>> retryAllFailed,
            List<HealthCheck> checks, NettyTransport transport,
            EventLoopGroup group) {
        this(config, metrics, spool, dispatcher, failedStore, retryAllFailed, checks, transport, group,
                Clock.systemUTC(), null);
    }

    /** As above; {@code reload} backs {@code POST /admin/reload} (null: that answers 503). */
    public AdminServer(GatewayConfig config, GatewayMetrics metrics, Spool spool, Dispatcher dispatcher,
            FailedStore failedStore, Supplier<CompletableFuture<Integer>> retryAllFailed,
            List<HealthCheck> checks, NettyTransport transport,
            EventLoopGroup group, ConfigReload reload) {
        this(config, metrics, spool, dispatcher, failedStore, retryAllFailed, checks, transport, group,
                Clock.systemUTC(), reload);
    }

    AdminServer(GatewayConfig config, GatewayMetrics metrics, Spool spool, Dispatcher dispatcher,
            FailedStore failedStore, Supplier<CompletableFuture<Integer>> retryAllFailed,
            List<HealthCheck> checks, NettyTransport transport,
            EventLoopGroup group, Clock clock) {
        this(config, metrics, spool, dispatcher, failedStore, retryAllFailed, checks, transport, group, clock, null);
    }

    AdminServer(GatewayConfig config, GatewayMetrics metrics, Spool spool, Dispatcher dispatcher,
            FailedStore failedStore, Supplier<CompletableFuture<Integer>> retryAllFailed,
            List<HealthCheck> checks, NettyTransport transport,
            EventLoopGroup group, Clock clock, ConfigReload reloadAction) {
        this.host = config.adminHost();
        this.port = config.healthCheckPort();
        this.transport = transport;
        this.group = group;
        AdminRouter router = new AdminRouter(
                new HealthEndpoint(metrics, spool, failedStore, checks, clock),
                new MetricsEndpoint(metrics, spool, dispatcher, failedStore),
                new PrometheusEndpoint(metrics),
                new FailedEndpoint(failedStore, retryAllFailed),
                new QueueEndpoint(metrics, spool, dispatcher, failedStore, clock),
                reload = new ReloadEndpoint(reloadAction));
        this.initializer = new AdminInitializer(router, new AdminAccess(config, metrics), channels);
    }

    /**
     * Binds {@code adminHost:healthCheckPort} (port 0 picks a free port) and returns the bound
     * address. Blocks until bound.
     *
     * @throws IllegalStateException when the address cannot be bound, or start was called before
     */
    public InetSocketAddress start() {
        if (serverChannel != null) {
            throw new IllegalStateException("admin server already started");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer);
        try {
            serverChannel = bootstrap.bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            throw new IllegalStateException("admin: cannot listen on " + host + ":" + port
                    + " (adminHost, healthCheckPort): " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.debug("admin: HTTP API listening on {}:{} ({})", bound.getHostString(), bound.getPort(),
                transport.name());
        return bound;
    }

    /** Stops listening and closes open admin connections; the event loop group stays up. */
    @Override
    public void close() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
        channels.close().awaitUninterruptibly();
        reload.close();
        log.info("admin: HTTP API stopped");
    }
}
