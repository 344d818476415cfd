package dev.mailgateway.smtp.server;

import dev.mailgateway.smtp.codec.SmtpReplies;
import dev.mailgateway.smtp.codec.SmtpReply;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits or refuses each new connection, then builds its pipeline:
 * {@code IdleStateHandler → SmtpDeadlines → SmtpServerDecoder → SmtpServerHandler} (STARTTLS later puts an
 * {@code SslHandler} first). A refused peer gets one reply and is closed: {@code 554 5.7.1}
 * for security.allowLocalOnly / security.allowedNetworks, {@code 421 4.7.0} over
 * limits.maxConnections or limits.maxConnectionsPerIp; both count in connectionsRejected.
 * With smtp.proxyProtocol a peer outside smtp.proxyTrustedNetworks gets {@code 554 5.7.1};
 * a trusted one gets {@code HAProxyMessageDecoder → ProxyProtocolHandler} first, and the checks
 * above run with the header's client address once it has arrived.
 */
final class SmtpServerInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(SmtpServerInitializer.class);

    /** Writes one reply on connect, then closes. */
    @ChannelHandler.Sharable
    private static final class Refuse extends ChannelInboundHandlerAdapter {
        private final SmtpReply reply;

        Refuse(SmtpReply reply) {
            this.reply = reply;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(reply.content()).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private static final Refuse DENIED = new Refuse(SmtpReplies.ACCESS_DENIED);
    private static final Refuse BUSY = new Refuse(SmtpReplies.TOO_MANY_CONNECTIONS);
    private static final Refuse CLOSING = new Refuse(SmtpReplies.SHUTTING_DOWN);

    private final SmtpServerContext server;
    private final ChannelGroup channels;
    private final boolean implicitTls;

    SmtpServerInitializer(SmtpServerContext server, ChannelGroup channels) {
        this(server, channels, false);
    }

    /** @param implicitTls RFC 8314: the connection starts with the TLS handshake (smtp.implicitTlsPort) */
    SmtpServerInitializer(SmtpServerContext server, ChannelGroup channels, boolean implicitTls) {
        this.server = server;
        this.channels = channels;
        this.implicitTls = implicitTls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        init(ch, ch.remoteAddress() == null ? null : ch.remoteAddress().getAddress());
    }

    /** {@link #initChannel} for a channel whose TCP peer is {@code ip} (tests use an EmbeddedChannel). */
    void init(Channel ch, InetAddress ip) {
        if (server.proxyProtocol && !server.shuttingDown()) {
            if (!server.trustedProxy(ip)) {
                server.metrics.connectionsRejected.inc();
                log.info("conn={} refused {}: not in smtp.proxyTrustedNetworks (smtp.proxyProtocol is on)",
                        ch.id().asShortText(), ip);
                ch.pipeline().addLast(DENIED);
                return;
            }
            // smtp.proxyProtocol: no greeting until the header names the client (see ProxyProtocolHandler)
            ch.pipeline().addLast("proxy-decoder", new HAProxyMessageDecoder());
            ch.pipeline().addLast("proxy", new ProxyProtocolHandler(ip,
                    (ctx, client) -> admit(ctx.channel(), client), ProxyProtocolHandler.HEADER_TIMEOUT_MS));
            return;
        }
        ClientAddress.set(ch, ip);
        admit(ch, ip);
    }

    /** Access policy and connection limits for the client address, then the SMTP pipeline. */
    void admit(Channel ch, InetAddress ip) {
        String id = "conn=" + ch.id().asShortText();
        if (implicitTls) {
            // first, so even a refusal reply is sent inside TLS (it waits for the handshake)
            io.netty.handler.ssl.SslHandler ssl = server.sslContext.newHandler(ch.alloc());
            ch.pipeline().addLast("tls", ssl);
            ssl.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    log.info("{} implicit TLS handshake failed: {}", id, f.cause().toString());
                    ch.close();
                }
            });
        }
        if (server.shuttingDown()) {
            ch.pipeline().addLast(CLOSING);
            return;
        }
        if (!server.admits(ip)) {
            server.metrics.connectionsRejected.inc();
            log.info("{} refused {}: not in security.allowedNetworks / allowLocalOnly", id, ip);
            ch.pipeline().addLast(DENIED);
            return;
        }
        ConnectionLimiter.Result slot = server.connections.tryAcquire(ip);
        if (slot != ConnectionLimiter.Result.OK) {
            server.metrics.connectionsRejected.inc();
            log.info("{} refused {}: {}", id, ip, slot == ConnectionLimiter.Result.TOO_MANY
                    ? "limits.maxConnections reached" : "limits.maxConnectionsPerIp reached");
            ch.pipeline().addLast(BUSY);
            return;
        }
        ch.closeFuture().addListener(f -> server.connections.release(ip));
        channels.add(ch);
        ChannelHandler[] smtp = SmtpProtocolHandlers.forOneChannel(server);
        ch.pipeline().addLast("idle", new IdleStateHandler(server.idleTimeoutSec, 0, 0));
        ch.pipeline().addLast("deadlines", new SmtpDeadlines(server.commandDeadlineSec, server.dataDeadlineSec));
        ch.pipeline().addLast("decoder", smtp[0]);
        ch.pipeline().addLast("handler", smtp[1]);
    }
}
