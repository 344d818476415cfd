package dev.mailgateway.smtp.server;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.TlsConfig;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.spool.MessageIngress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound ESMTP server: binds smtpHost:smtpPort and runs one {@link SmtpServerHandler} per
 * connection on the worker group.
 *
 * <p>Life cycle: construct, {@link #start()} once, {@link #shutdown(Duration)} once. The event
 * loop groups belong to the caller (the composition root shuts them down after this).
 */
public final class SmtpServer {

    private static final Logger log = LoggerFactory.getLogger(SmtpServer.class);

    private final LiveConfig config;
    private final MessageIngress ingress;
    private final GatewayMetrics metrics;
    private final QueueIdGenerator ids;
    private final NettyTransport transport;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ChannelGroup channels = new DefaultChannelGroup("smtp", GlobalEventExecutor.INSTANCE);
    private volatile SmtpServerContext context;
    private volatile Channel serverChannel;
    private volatile Channel implicitTlsChannel;

    public SmtpServer(LiveConfig config, MessageIngress ingress, GatewayMetrics metrics,
            QueueIdGenerator ids, NettyTransport transport, EventLoopGroup bossGroup,
            EventLoopGroup workerGroup) {
        this.config = config;
        this.ingress = ingress;
        this.metrics = metrics;
        this.ids = ids;
        this.transport = transport;
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
    }

    /**
     * Binds and starts accepting (TCP_NODELAY on every connection).
     *
     * @return the bound address (the real port when smtpPort is 0)
     * @throws IllegalStateException when TLS files cannot be read or the address cannot be bound
     */
    public synchronized InetSocketAddress start() {
        if (serverChannel != null) {
            throw new IllegalStateException("SMTP server already started");
        }
        GatewayConfig c = config.current();
        context = new SmtpServerContext(config, ingress, metrics, ids, sslContext(c.tls()));
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new SmtpServerInitializer(context, channels));
        ChannelFuture bind = b.bind(c.smtpHost(), c.smtpPort()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            context.rateLimits.close();
            throw new IllegalStateException("cannot listen for SMTP on " + c.smtpHost() + ":"
                    + c.smtpPort() + ": " + bind.cause().getMessage(), bind.cause());
        }
        serverChannel = bind.channel();
        InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
        log.debug("SMTP listening on {} ({}, TLS {}, host name {})", local, transport.name(),
                context.sslContext == null ? "off" : "on", context.hostname);
        if (c.smtp().implicitTlsPort() > 0) {
            bindImplicitTls(b, c);
        }
        return local;
    }

    /**
     * RFC 8314 implicit TLS ("submissions", port 465): the same server on a second port, every
     * connection starting with the TLS handshake. Same context, policy and limits.
     */
    private void bindImplicitTls(ServerBootstrap plain, GatewayConfig c) {
        if (context.sslContext == null) {
            serverChannel.close().awaitUninterruptibly();
            throw new IllegalStateException("smtp.implicitTlsPort is " + c.smtp().implicitTlsPort()
                    + " but no certificate is configured: set tls.certFile and tls.keyFile");
        }
        ChannelFuture bind = plain.clone()
                .childHandler(new SmtpServerInitializer(context, channels, true))
                .bind(c.smtpHost(), c.smtp().implicitTlsPort()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            serverChannel.close().awaitUninterruptibly();
            throw new IllegalStateException("cannot listen for SMTP with implicit TLS on " + c.smtpHost() + ":"
                    + c.smtp().implicitTlsPort() + " (smtp.implicitTlsPort): " + bind.cause().getMessage(),
                    bind.cause());
        }
        implicitTlsChannel = bind.channel();
        log.info("SMTP with implicit TLS (RFC 8314) listening on {}", implicitTlsChannel.localAddress());
    }

    /** The implicit-TLS listener's address, or null when smtp.implicitTlsPort is 0. */
    public InetSocketAddress implicitTlsAddress() {
        Channel ch = implicitTlsChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    /**
     * Stops accepting; connections outside a transaction get {@code 421 4.3.2} now, those in a
     * transaction may finish it within {@code grace}, then every remaining one gets
     * {@code 421 4.3.2} and is closed. Completes when all are closed.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        SmtpServerContext ctx = context;
        if (ctx == null) {
            done.complete(null);
            return done;
        }
        ctx.beginShutdown();
        if (serverChannel != null) {
            serverChannel.close();
        }
        if (implicitTlsChannel != null) {
            implicitTlsChannel.close();
        }
        List<Channel> open = new ArrayList<>(channels);
        for (Channel ch : open) {
            ch.pipeline().fireUserEventTriggered(SmtpServerHandler.Shutdown.GRACEFUL);
        }
        CompletableFuture<?>[] closed = open.stream().map(ch -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            ch.closeFuture().addListener(x -> f.complete(null));
            return f;
        }).toArray(CompletableFuture[]::new);
        CompletableFuture<Void> all = CompletableFuture.allOf(closed);
        GlobalEventExecutor.INSTANCE.schedule(() -> {
            if (!all.isDone()) {
                log.info("SMTP shutdown grace of {} over, closing {} connections", grace, channels.size());
                for (Channel ch : channels) {
                    ch.eventLoop().execute(
                            () -> ch.pipeline().fireUserEventTriggered(SmtpServerHandler.Shutdown.FORCE));
                }
            }
        }, Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS);
        all.whenComplete((v, e) -> {
            ctx.rateLimits.close(); // the Redis client, if any, once no connection can ask it
            log.info("SMTP server stopped");
            done.complete(null);
        });
        return done;
    }

    /**
     * For /health: names Redis while rateLimits.redis is set and Redis cannot be reached
     * (recovers by itself); nothing with local rate limits or before {@link #start()}.
     */
    public HealthCheck healthCheck() {
        return () -> {
            SmtpServerContext ctx = context;
            return ctx == null ? List.of() : ctx.rateLimits.problems();
        };
    }

    /** Connections now open and admitted (refused ones are not counted). */
    public int openConnections() {
        SmtpServerContext ctx = context;
        return ctx == null ? 0 : ctx.connections.open();
    }

    private static SslContext sslContext(TlsConfig tls) {
        if (!tls.enabled()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(new File(tls.certFile()), new File(tls.keyFile())).build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load TLS certificate tls.certFile=" + tls.certFile()
                    + " / key tls.keyFile=" + tls.keyFile() + ": " + e.getMessage(), e);
        }
    }
}
