package dev.mailgateway.smtp.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtp.proxyProtocol: sits behind Netty's {@link HAProxyMessageDecoder} (which detects v1 text
 * and v2 binary headers from the first bytes) on a connection from a trusted load balancer,
 * before any SMTP handler exists, so the 220 greeting waits for the header. On a header it sets
 * the {@link ClientAddress} (the header's source; the balancer itself for a v2 {@code LOCAL}
 * command, as HAProxy's {@code check-send-proxy} health checks send, and for v1
 * {@code UNKNOWN}), lets the initializer admit the connection with that address and build the
 * SMTP pipeline, then fires channelActive so the greeting goes out. The decoder forwards any
 * bytes after the header to the SMTP decoder. A malformed header, other data, or no header
 * within {@link #HEADER_TIMEOUT_MS}: a log line and close, no greeting (PROXY protocol spec,
 * section 2: the receiver must not guess).
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);

    /** How long a trusted peer may take to send its header (Postfix: smtpd_proxy_timeout 5 s). */
    static final long HEADER_TIMEOUT_MS = 5000;

    private final InetAddress balancer;
    private final BiConsumer<ChannelHandlerContext, InetAddress> admit;
    private final long timeoutMs;
    private ScheduledFuture<?> timeout;
    private boolean done;

    /**
     * @param balancer the TCP peer (a trusted load balancer)
     * @param admit    builds the SMTP pipeline (or a refusal) for the client address, after this handler
     */
    ProxyProtocolHandler(InetAddress balancer, BiConsumer<ChannelHandlerContext, InetAddress> admit, long timeoutMs) {
        this.balancer = balancer;
        this.admit = admit;
        this.timeoutMs = timeoutMs;
    }

    private static String id(ChannelHandlerContext ctx) {
        return "conn=" + ctx.channel().id().asShortText();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (!done) {
                done = true;
                log.info("{} no PROXY protocol header from {} within {} ms, closing", id(ctx),
                        balancer.getHostAddress(), timeoutMs);
                ctx.close();
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // swallowed: the SMTP handlers are added, and activated, once the header is in
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done = true;
        timeout.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header) || done) {
            ReferenceCountUtil.release(msg); // nothing but a header can get here before we leave
            return;
        }
        try {
            done = true;
            timeout.cancel(false);
            InetAddress client = clientOf(header);
            if (client == null) {
                log.info("{} PROXY header from {} has an unusable source address, closing", id(ctx),
                        balancer.getHostAddress());
                ctx.close();
                return;
            }
            log.debug("{} PROXY {} {} from {}: client {}", id(ctx), header.protocolVersion(), header.command(),
                    balancer.getHostAddress(), client.getHostAddress());
            ClientAddress.set(ctx.channel(), client);
            admit.accept(ctx, client);
            ctx.fireChannelActive(); // to the handlers just added: greeting or refusal
            ctx.pipeline().remove(this);
        } finally {
            header.release();
        }
    }

    /** LOCAL, UNKNOWN and UNIX: the connection is the balancer's own; TCP4/TCP6: the header's source. */
    private InetAddress clientOf(HAProxyMessage header) {
        if (header.command() == HAProxyCommand.LOCAL) {
            return balancer;
        }
        HAProxyProxiedProtocol p = header.proxiedProtocol();
        if (p == HAProxyProxiedProtocol.TCP4 || p == HAProxyProxiedProtocol.TCP6
                || p == HAProxyProxiedProtocol.UDP4 || p == HAProxyProxiedProtocol.UDP6) {
            byte[] raw = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
            if (raw == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(raw); // a literal: no DNS
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return balancer;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        done = true;
        timeout.cancel(false);
        log.info("{} no valid PROXY protocol header from {} ({}), closing", id(ctx), balancer.getHostAddress(),
                printable(cause.getMessage()));
        ctx.close();
    }

    /** The decoder's messages may quote header bytes: printable ASCII only, the rest as \\xNN. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        return sb.toString();
    }
}
