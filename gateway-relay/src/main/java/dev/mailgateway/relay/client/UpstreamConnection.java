package dev.mailgateway.relay.client;

import dev.mailgateway.core.config.ProviderConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound SMTP connection and its pending-reply collector: the last handler of the
 * channel's pipeline, after {@code SmtpResponseDecoder}.
 *
 * <p>Contract: {@link #send} writes a group of commands (one, or a pipelined group per RFC 2920)
 * and returns a future completed with exactly {@code replies} replies, in order; at most one
 * group is outstanding at a time. The future fails with an {@link UpstreamException} (TIMEOUT
 * or CLOSED, carrying how many replies did arrive) when the timeout passes or the connection
 * breaks; the connection is then closed. Everything runs on the channel's event loop, which is
 * the owning relay worker's loop: no locks.
 */
public final class UpstreamConnection extends SimpleChannelInboundHandler<SmtpResponse> {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

    private final ProviderConfig provider;
    private final String name;
    private Channel channel;
    private UpstreamCapabilities capabilities = UpstreamCapabilities.NONE;

    // pending group: loop only
    private Promise<List<SmtpResponse>> pending;
    private List<SmtpResponse> collected;
    private int expected;
    private ScheduledFuture<?> timeout;

    // pool bookkeeping: loop only
    private long idleSinceNanos;
    private int uses;

    UpstreamConnection(ProviderConfig provider, String name) {
        this.provider = provider;
        this.name = name;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    public ProviderConfig provider() {
        return provider;
    }

    public UpstreamCapabilities capabilities() {
        return capabilities;
    }

    void capabilities(UpstreamCapabilities caps) {
        this.capabilities = caps;
    }

    public Channel channel() {
        return channel;
    }

    public boolean isActive() {
        return channel != null && channel.isActive();
    }

    /** A short id for logs: provider and local port. */
    public String name() {
        return name;
    }

    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    public void markIdle(long nowNanos) {
        this.idleSinceNanos = nowNanos;
    }

    /** Transactions started on this connection; more than 0 means the next one needs RSET first. */
    public int uses() {
        return uses;
    }

    public void countUse() {
        uses++;
    }

    /** A buffer for commands, from the channel's allocator. */
    public ByteBuf buffer(int capacity) {
        return channel.alloc().ioBuffer(capacity);
    }

    /** Appends one command line (UTF-8, RFC 6531 allows it after SMTPUTF8) and CRLF. */
    public static void appendLine(ByteBuf out, CharSequence line) {
        ByteBufUtil.writeUtf8(out, line);
        out.writeByte('\r').writeByte('\n');
    }

    /** Sends one command line and waits for its single reply. */
    public Future<List<SmtpResponse>> command(CharSequence line, long timeoutMs) {
        ByteBuf out = buffer(line.length() + 8);
        appendLine(out, line);
        return send(out, 1, timeoutMs);
    }

    /**
     * Writes {@code out} (may be null: only wait, e.g. for the greeting) and collects
     * {@code replies} replies within {@code timeoutMs}. Loop only.
     */
    public Future<List<SmtpResponse>> send(ByteBuf out, int replies, long timeoutMs) {
        Promise<List<SmtpResponse>> promise = channel.eventLoop().newPromise();
        if (pending != null) {
            if (out != null) {
                out.release();
            }
            promise.setFailure(new IllegalStateException("a command group is already pending"));
            return promise;
        }
        if (!channel.isActive()) {
            if (out != null) {
                out.release();
            }
            promise.setFailure(new UpstreamException(UpstreamException.Kind.CLOSED,
                    "connection to " + provider.address() + " is closed"));
            return promise;
        }
        pending = promise;
        collected = new ArrayList<>(replies);
        expected = replies;
        timeout = channel.eventLoop().schedule(() -> fail(new UpstreamException(
                UpstreamException.Kind.TIMEOUT, "timed out after " + timeoutMs + " ms waiting for "
                + provider.address(), collected.size())), timeoutMs, TimeUnit.MILLISECONDS);
        if (out != null) {
            channel.writeAndFlush(out).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(new UpstreamException(UpstreamException.Kind.CLOSED, "write to "
                            + provider.address() + " failed: " + f.cause(), collected == null ? 0 : collected.size()));
                }
            });
        }
        return promise;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SmtpResponse reply) {
        if (pending == null) {
            // unsolicited, typically "421 shutting down" before the upstream closes (RFC 5321 3.8)
            log.debug("{} unsolicited reply: {}", name, SmtpCodes.text(reply));
            if (reply.code() == 421) {
                ctx.close();
            }
            return;
        }
        collected.add(reply);
        if (collected.size() == expected) {
            Promise<List<SmtpResponse>> p = pending;
            List<SmtpResponse> replies = collected;
            clearPending();
            p.trySuccess(replies);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new UpstreamException(UpstreamException.Kind.CLOSED,
                "connection closed by " + provider.address(), collected == null ? 0 : collected.size()));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} connection error: {}", name, cause.toString());
        fail(new UpstreamException(UpstreamException.Kind.CLOSED, "connection to "
                + provider.address() + " failed: " + rootMessage(cause),
                collected == null ? 0 : collected.size()));
        ctx.close();
    }

    /** Fails the pending group (if any) and closes the connection. */
    private void fail(UpstreamException e) {
        Promise<List<SmtpResponse>> p = pending;
        if (p != null) {
            clearPending();
            p.tryFailure(e);
        }
        if (channel != null && channel.isOpen()) {
            channel.close();
        }
    }

    private void clearPending() {
        pending = null;
        collected = null;
        expected = 0;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    /** Closes the connection now; a pending group fails with CLOSED. */
    public void close() {
        if (channel != null) {
            channel.close();
        }
    }

    /** Polite close: QUIT, then close without waiting for the reply (RFC 5321 4.1.1.10). */
    public void quit() {
        if (channel != null && channel.isActive() && pending == null) {
            ByteBuf out = buffer(8);
            appendLine(out, "QUIT");
            channel.writeAndFlush(out).addListener(f -> channel.close());
        } else {
            close();
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + m;
    }
}
