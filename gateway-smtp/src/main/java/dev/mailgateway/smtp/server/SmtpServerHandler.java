package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.ClientText;
import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.smtp.codec.SmtpAuthResponse;
import dev.mailgateway.smtp.codec.SmtpCommandLine;
import dev.mailgateway.smtp.codec.SmtpDataChunk;
import dev.mailgateway.smtp.codec.SmtpDecodeError;
import dev.mailgateway.smtp.codec.SmtpMessageBody;
import dev.mailgateway.smtp.codec.SmtpReplies;
import dev.mailgateway.smtp.codec.SmtpReply;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP conversation of one connection (not {@code @Sharable}): its lifecycle (greeting,
 * disconnect, timeouts, shutdown, errors), the dispatch of each {@code SmtpFrame} from
 * {@link SmtpServerDecoder}, and STARTTLS. The phases live beside it: the envelope commands in
 * {@link SmtpEnvelopeCommands}, AUTH in {@link SmtpAuthCommand}, the rate-limit step in
 * {@link SmtpRateLimitCheck}, DATA in {@link SmtpDataReceiver}; they see the connection only
 * through {@link SmtpConnection}, which this class implements. When input is decoded and read is
 * {@link ReadFlowControl}'s business.
 *
 * <p>Threading: everything runs on the channel's event loop. Replies are written in
 * {@code channelRead} and flushed in {@code channelReadComplete}, so a pipelined group
 * (RFC 2920) is answered in one write. Some replies come later: the spool write at the final
 * dot, the delayed 535 after bad credentials, a Redis rate-limit check. Meanwhile decoding is
 * paused (the socket is still read and the decoder bounds what it buffers), so replies stay in
 * command order; the completion hops back to the loop, writes its reply, then decodes what the
 * client pipelined meanwhile. autoRead goes off only when the client does not read its replies
 * (write buffer above its high-water mark), when limits.maxBufferedDataBytes is used up, or when
 * a paused decoder's buffer passes {@link SmtpServerDecoder#PAUSED_BUFFER_LIMIT}.
 */
final class SmtpServerHandler extends ChannelInboundHandlerAdapter
        implements SmtpConnection, ReadFlowControl.Owner {

    private static final Logger log = LoggerFactory.getLogger(SmtpServerHandler.class);

    /** After an idle or deadline 421, the connection is closed this long later even if the reply could not leave. */
    private static final int DEADLINE_CLOSE_GRACE_SEC = 5;

    /** Fired down every pipeline by {@link SmtpServer#shutdown}: GRACEFUL first, FORCE after the grace. */
    enum Shutdown { GRACEFUL, FORCE }

    private final SmtpServerContext server;
    private final SmtpServerDecoder decoder;
    private final SmtpDataReceiver data = new SmtpDataReceiver(this);
    private ChannelHandlerContext ctx;
    private SmtpSession session;
    private SmtpDeadlines deadlines; // the pipeline's, or a detached (inert) one
    private ReadFlowControl flow;
    private boolean closing;   // the last reply is on its way, ignore further input

    SmtpServerHandler(SmtpServerContext server, SmtpServerDecoder decoder) {
        this.server = server;
        this.decoder = decoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        SmtpDeadlines inPipeline = ctx.pipeline().get(SmtpDeadlines.class);
        this.deadlines = inPipeline != null ? inPipeline : new SmtpDeadlines(1, 1);
        this.flow = new ReadFlowControl(ctx, decoder, deadlines, this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress ip = ClientAddress.of(ctx.channel()); // the PROXY header's client when smtp.proxyProtocol
        session = new SmtpSession("conn=" + ctx.channel().id().asShortText(), ip);
        session.tls = ctx.pipeline().get(SslHandler.class) != null; // the implicit-TLS port (RFC 8314)
        server.metrics.connectionsOpen.inc();
        log.debug("{} connected from {}", session.id, session.ipText);
        ctx.writeAndFlush(server.greeting.content());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.metrics.connectionsOpen.dec();
        data.abort(); // the client went away mid-DATA: nothing of it becomes live
        flow.inactive();
        if (session != null) {
            if (!flow.waiting()) {
                session.endTransaction(); // while the spool writes, the DATA receiver settles the quota
            }
            log.debug("{} disconnected", session.id);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            SmtpDataReceiver.releaseFrame(msg);
            return;
        }
        deadlines.frame(msg, decoder.bufferedBytes() > 0);
        if (msg instanceof SmtpCommandLine c) {
            if (server.shuttingDown() && session.transaction == null) {
                closeWith(SmtpReplies.SHUTTING_DOWN);
                return;
            }
            command(c.line());
        } else if (msg instanceof SmtpAuthResponse r) {
            SmtpAuthCommand.response(this, r.line());
        } else if (msg instanceof SmtpDataChunk c) {
            data.chunk(c);
        } else if (msg instanceof SmtpMessageBody b) {
            data.body(b);
        } else if (msg instanceof SmtpDecodeError e) {
            decodeError(e);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    // ---- SmtpConnection: what commands see ----

    @Override
    public SmtpSession session() {
        return session;
    }

    @Override
    public SmtpServerContext server() {
        return server;
    }

    @Override
    public void write(SmtpReply reply) {
        ctx.write(reply.content());
    }

    @Override
    public void write(ByteBuf reply) {
        ctx.write(reply);
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public boolean closing() {
        return closing;
    }

    @Override
    public boolean active() {
        return ctx.channel().isActive();
    }

    @Override
    public boolean open() {
        return ctx.channel().isActive() && !closing;
    }

    @Override
    public EventExecutor loop() {
        return ctx.executor();
    }

    @Override
    public void closeWith(SmtpReply reply) {
        closing = true;
        decoder.pause();
        ctx.writeAndFlush(reply.content()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void pauseReading() {
        flow.pause();
    }

    @Override
    public void resumeReading() {
        flow.resume();
    }

    @Override
    public void expectAuthResponse() {
        decoder.expectAuthResponse();
    }

    @Override
    public void startData(byte[] received) {
        decoder.startData(received, server.maxMessageSize, session.transaction.declaredSize, server.rejectBareLf);
        deadlines.dataStarted();
    }

    @Override
    public boolean pauseForBudget(DataBudget budget) {
        return flow.budgetUsedUp(budget);
    }

    /** ReadFlowControl.Owner: a shutdown that began while input was held closes now, between transactions. */
    @Override
    public boolean closeInsteadOfResuming() {
        if (server.shuttingDown() && session.transaction == null) {
            closeWith(SmtpReplies.SHUTTING_DOWN);
            return true;
        }
        return false;
    }

    // ---- commands (RFC 5321 4.1.1) ----

    private void command(String line) {
        SmtpCommand cmd = SmtpCommand.of(line);
        String arg = cmd.argument(line);
        if (log.isTraceEnabled() && cmd != SmtpCommand.AUTH) {
            log.trace("{} C: {}", session.id, traceLine(cmd, arg, line));
        }
        switch (cmd) {
            case EHLO -> SmtpEnvelopeCommands.hello(this, arg, true);
            case HELO -> SmtpEnvelopeCommands.hello(this, arg, false);
            case MAIL -> SmtpEnvelopeCommands.mail(this, arg);
            case RCPT -> SmtpEnvelopeCommands.rcpt(this, arg);
            case DATA -> SmtpEnvelopeCommands.data(this, arg);
            case RSET -> SmtpEnvelopeCommands.rset(this, arg);
            case NOOP -> write(SmtpReplies.OK);
            case QUIT -> closeWith(SmtpReplies.BYE);
            case VRFY -> write(SmtpReplies.CANNOT_VRFY);
            case EXPN -> write(SmtpReplies.NOT_IMPLEMENTED);
            case HELP -> write(SmtpReplies.HELP);
            case STARTTLS -> startTls(arg);
            case AUTH -> SmtpAuthCommand.auth(this, arg);
            default -> write(SmtpReplies.UNKNOWN_COMMAND);
        }
    }

    /**
     * A command line for the TRACE log, escaped; with security.logAllEmails false the MAIL/RCPT
     * address is masked by {@link LogAddress} like in every other line of the message, and the
     * parameters (ORCPT holds an address too) are not shown.
     */
    private String traceLine(SmtpCommand cmd, String arg, String line) {
        if ((cmd != SmtpCommand.MAIL && cmd != SmtpCommand.RCPT) || server.settings().logAllEmails()) {
            return ClientText.log(line);
        }
        String keyword = cmd == SmtpCommand.MAIL ? "FROM:" : "TO:";
        SmtpPathParser.Result path = arg.regionMatches(true, 0, keyword, 0, keyword.length())
                ? SmtpPathParser.parse(arg.substring(keyword.length()), cmd == SmtpCommand.MAIL, true)
                : null;
        if (path == null || !path.ok()) {
            return cmd.name() + " (not shown: security.logAllEmails is false)";
        }
        boolean params = !arg.substring(keyword.length() + path.end()).isBlank();
        return cmd.name() + " " + keyword + LogAddress.bracketed(path.address(), false)
                + (params ? " (parameters not shown)" : "");
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (flow.writabilityChanged()) {
            log.debug("{} client is not reading its replies: pausing input", session.id);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void decodeError(SmtpDecodeError error) {
        switch (error) {
            case LINE_TOO_LONG -> {
                session.auth = null;
                write(SmtpReplies.LINE_TOO_LONG);
            }
            case BARE_LF_COMMAND -> {
                session.auth = null;
                write(SmtpReplies.BARE_LF_COMMAND);
            }
            case MESSAGE_TOO_LARGE, BARE_LINE_FEED -> data.refused(error);
            default -> throw new IllegalStateException(error.name());
        }
    }

    // ---- STARTTLS (RFC 3207) ----

    private void startTls(String arg) {
        if (server.sslContext == null) {
            write(SmtpReplies.NOT_IMPLEMENTED);
        } else if (!arg.isEmpty()) {
            write(SmtpReplies.NO_ARGUMENTS_ALLOWED);
        } else if (session.tls) {
            write(SmtpReplies.TLS_ALREADY_ACTIVE);
        } else {
            // startTls=true: the 220 below leaves in clear text, then the handshake starts.
            SslHandler ssl = new SslHandler(server.sslContext.newEngine(ctx.alloc()), true);
            ctx.pipeline().addFirst("tls", ssl);
            ctx.writeAndFlush(SmtpReplies.READY_FOR_TLS.content());
            decoder.discardBuffered(); // RFC 3207 4.2: nothing pipelined after STARTTLS is executed
            session.resetAfterTls();
            ssl.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    log.debug("{} TLS established: {}", session.id, ssl.engine().getSession().getProtocol());
                } else {
                    log.info("{} TLS handshake failed: {}", session.id, f.cause().toString());
                    ctx.close();
                }
            });
        }
    }

    // ---- events ----

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (!flow.waiting() && !closing) {
                log.info("{} idle for {} s, closing", session.id, server.idleTimeoutSec);
                closeWith(SmtpReplies.IDLE_TIMEOUT);
                // "idle" can mean reading was stopped for a client that does not read its replies
                ctx.executor().schedule(() -> ctx.close(), DEADLINE_CLOSE_GRACE_SEC, TimeUnit.SECONDS);
            }
        } else if (evt instanceof SmtpDeadlines.Expired expired) {
            if (!flow.waiting() && !closing) {
                server.metrics.deadlinesExpired.inc();
                boolean data = expired == SmtpDeadlines.Expired.DATA;
                log.info("{} {} not complete within {} s, closing", session.id,
                        data ? "message data" : "command line",
                        data ? server.dataDeadlineSec : server.commandDeadlineSec);
                closeWith(data ? SmtpReplies.DATA_DEADLINE : SmtpReplies.COMMAND_DEADLINE);
                // a client that does not read either would keep the 421 (and the slot) pending
                ctx.executor().schedule(() -> ctx.close(), DEADLINE_CLOSE_GRACE_SEC, TimeUnit.SECONDS);
            }
        } else if (evt == Shutdown.GRACEFUL) {
            if (session.transaction == null && !flow.waiting() && !closing) {
                closeWith(SmtpReplies.SHUTTING_DOWN);
            }
        } else if (evt == Shutdown.FORCE) {
            if (!closing) {
                closeWith(SmtpReplies.SHUTTING_DOWN);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String id = session == null ? "conn=" + ctx.channel().id().asShortText() : session.id;
        dev.mailgateway.core.util.FatalErrors.haltOnOutOfMemory(cause, "SMTP " + id); // never per connection
        if (cause instanceof IOException || cause instanceof DecoderException
                && cause.getCause() instanceof SSLException) {
            log.debug("{} connection error: {}", id, cause.toString());
            ctx.close();
            return;
        }
        log.warn("{} unexpected error, closing", id, cause);
        if (ctx.channel().isActive() && !closing) {
            closeWith(SmtpReplies.LOCAL_ERROR_CLOSING);
        } else {
            ctx.close();
        }
    }
}
