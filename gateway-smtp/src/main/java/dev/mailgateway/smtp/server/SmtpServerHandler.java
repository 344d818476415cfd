package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.Utf8;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.MessageIngress;
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
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP conversation of one connection (not {@code @Sharable}): turns {@code SmtpFrame}s
 * from {@link SmtpServerDecoder} into replies, holding one {@link SmtpSession}.
 *
 * <p>Threading: everything runs on the channel's event loop. Replies are written in
 * {@code channelRead} and flushed in {@code channelReadComplete}, so a pipelined group
 * (RFC 2920) is answered in one write. Two things complete later: the spool write
 * ({@link MessageIngress#accept}, completed on the spool thread) and the delayed 535 after bad
 * credentials. While either is pending the decoder is paused (it bounds what it buffers; the
 * socket is still read), so replies stay in command order; the completion hops back to the
 * loop, writes its reply, then resumes decoding what the client pipelined meanwhile. autoRead
 * goes off only when the client does not read its replies (write buffer above its high-water
 * mark) or limits.maxBufferedDataBytes is used up, and comes back on when both have cleared.
 */
final class SmtpServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SmtpServerHandler.class);

    /** After an idle or deadline 421, the connection is closed this long later even if the reply could not leave. */
    private static final int DEADLINE_CLOSE_GRACE_SEC = 5;

    /** Fired down every pipeline by {@link SmtpServer#shutdown}: GRACEFUL first, FORCE after the grace. */
    enum Shutdown { GRACEFUL, FORCE }

    final SmtpServerContext server;
    final SmtpServerDecoder decoder;
    ChannelHandlerContext ctx;
    SmtpSession session;
    private SmtpDeadlines deadlines; // the pipeline's, or a detached (inert) one
    private boolean waiting;   // spool write or delayed reply in flight; reading paused
    private boolean congested; // replies not leaving (client not reading); reading paused
    private boolean closing;   // the last reply is on its way, ignore further input
    // DATA streaming (loop only): the message's chunks go to the spool as they arrive
    private MessageIngress.Upload upload;
    private boolean budgetPaused; // limits.maxBufferedDataBytes used up; reading paused (waiting too)

    SmtpServerHandler(SmtpServerContext server, SmtpServerDecoder decoder) {
        this.server = server;
        this.decoder = decoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        SmtpDeadlines inPipeline = ctx.pipeline().get(SmtpDeadlines.class);
        this.deadlines = inPipeline != null ? inPipeline : new SmtpDeadlines(1, 1);
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
        abortUpload(); // the client went away mid-DATA: nothing of it becomes live
        if (budgetPaused) {
            budgetPaused = false;
            waiting = false;
        }
        if (session != null) {
            if (!waiting) {
                session.endTransaction(); // while the spool writes, spooled() settles the quota
            }
            log.debug("{} disconnected", session.id);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            releaseFrame(msg);
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
            dataChunk(c);
        } else if (msg instanceof SmtpMessageBody b) {
            messageBody(b);
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

    void write(SmtpReply reply) {
        ctx.write(reply.content());
    }

    void write(ByteBuf reply) {
        ctx.write(reply);
    }

    boolean closing() {
        return closing;
    }

    void closeWith(SmtpReply reply) {
        closing = true;
        decoder.pause();
        ctx.writeAndFlush(reply.content()).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- commands (RFC 5321 4.1.1) ----

    private void command(String line) {
        SmtpCommand cmd = SmtpCommand.of(line);
        String arg = cmd.argument(line);
        if (log.isTraceEnabled() && cmd != SmtpCommand.AUTH) {
            log.trace("{} C: {}", session.id, ClientText.log(line));
        }
        switch (cmd) {
            case EHLO -> hello(arg, true);
            case HELO -> hello(arg, false);
            case MAIL -> mail(arg);
            case RCPT -> rcpt(arg);
            case DATA -> data(arg);
            case RSET -> {
                if (!arg.isEmpty()) {
                    write(SmtpReplies.NO_ARGUMENTS_ALLOWED);
                    return;
                }
                session.endTransaction();
                write(SmtpReplies.RESET_OK);
            }
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

    private void hello(String arg, boolean extended) {
        int space = arg.indexOf(' ');
        String name = space < 0 ? arg : arg.substring(0, space);
        if (name.isEmpty() || name.length() > 255 || SmtpText.hasControl(name)) {
            write(extended ? SmtpReplies.EHLO_NEEDS_DOMAIN : SmtpReplies.HELO_NEEDS_DOMAIN);
            return;
        }
        session.endTransaction(); // RFC 5321 4.1.4: EHLO implies RSET
        session.helo = name;
        session.extended = extended;
        if (!extended) {
            write(server.heloReply);
            return;
        }
        boolean startTls = server.sslContext != null && !session.tls;
        write(server.ehloReply(startTls, authOffered()));
    }

    /** AUTH is offered when credentials exist, and only inside TLS unless the peer is loopback. */
    private boolean authOffered() {
        return session.authUser == null && server.credentials.configured()
                && (session.tls || session.loopback);
    }

    private void mail(String arg) {
        if (session.helo == null) {
            write(SmtpReplies.NEED_HELO_FIRST);
            return;
        }
        if (session.transaction != null) {
            write(SmtpReplies.NESTED_MAIL);
            return;
        }
        if (server.requireAuth && session.authUser == null) {
            write(SmtpReplies.AUTH_REQUIRED);
            return;
        }
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            write(SmtpReplies.MAIL_SYNTAX);
            return;
        }
        SmtpPathParser.Result path = SmtpPathParser.parse(arg.substring(5), true, true,
                server.settings().requireAngleBrackets());
        if (!path.ok()) {
            write(SmtpReplies.badSender(ctx.alloc(), path.problem()));
            return;
        }
        MailParameters params = MailParameters.parse(arg.substring(5 + path.end()));
        if (params.unknown() != null) {
            write(SmtpReplies.unknownParameter(ctx.alloc(), params.unknown()));
            return;
        }
        if (params.problem() != null) {
            write(SmtpReplies.badParameter(ctx.alloc(), params.problem()));
            return;
        }
        if (!params.smtpUtf8() && !Utf8.isAscii(path.address())) {
            write(SmtpReplies.badSender(ctx.alloc(), "non-ASCII characters need the SMTPUTF8 parameter"));
            return;
        }
        if (params.size() > server.maxMessageSize) {
            write(SmtpReplies.MESSAGE_TOO_LARGE); // RFC 1870 section 6
            return;
        }
        switch (server.ingress.admission()) {
            case OK -> { }
            case QUEUE_FULL -> {
                write(SmtpReplies.QUEUE_FULL);
                return;
            }
            case DISK_LOW -> {
                write(SmtpReplies.DISK_LOW);
                return;
            }
            default -> {
                write(SmtpReplies.SERVICE_UNAVAILABLE);
                return;
            }
        }
        SmtpRateLimitCheck.reserve(this, path.address(), params); // may answer later (Redis)
    }

    private void rcpt(String arg) {
        SmtpSession.Transaction tx = session.transaction;
        if (tx == null) {
            write(SmtpReplies.NEED_MAIL_BEFORE_RCPT);
            return;
        }
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            write(SmtpReplies.RCPT_SYNTAX);
            return;
        }
        SmtpPathParser.Result path = SmtpPathParser.parse(arg.substring(3), false, tx.smtpUtf8,
                server.settings().requireAngleBrackets());
        if (!path.ok()) {
            write(SmtpReplies.badRecipient(ctx.alloc(), path.problem()));
            return;
        }
        DsnSyntax.RcptParameters params = DsnSyntax.parseRcpt(arg.substring(3 + path.end()));
        if (params.unknown() != null) {
            write(SmtpReplies.unknownParameter(ctx.alloc(), params.unknown()));
            return;
        }
        if (params.problem() != null) {
            write(SmtpReplies.badParameter(ctx.alloc(), params.problem()));
            return;
        }
        if (tx.hasRecipient(path.address())) {
            write(SmtpReplies.RECIPIENT_OK); // a duplicate collapses into the first
        } else if (tx.recipients.size() >= server.maxRecipients) {
            write(SmtpReplies.TOO_MANY_RECIPIENTS); // RFC 5321 4.5.3.1.10
        } else {
            tx.addRecipient(path.address(), params.notifyValue(), params.orcpt());
            write(SmtpReplies.RECIPIENT_OK);
        }
    }

    private void data(String arg) {
        SmtpSession.Transaction tx = session.transaction;
        if (!arg.isEmpty()) {
            write(SmtpReplies.NO_ARGUMENTS_ALLOWED);
        } else if (tx == null) {
            write(SmtpReplies.NEED_MAIL_BEFORE_DATA);
        } else if (tx.recipients.isEmpty()) {
            write(SmtpReplies.NO_VALID_RECIPIENTS); // RFC 2920 3.1
        } else {
            tx.id = server.ids.next();
            byte[] received = ReceivedHeader.build(session.helo, session.ip, server.hostname,
                    session.protocol(), tx.id.value(), ZonedDateTime.now());
            decoder.startData(received, server.maxMessageSize, tx.declaredSize, server.rejectBareLf);
            deadlines.dataStarted();
            write(SmtpReplies.START_MAIL_INPUT);
        }
    }

    // ---- DATA streams to the spool; end of data: commit ----

    /** Data frames own a buffer: released when the connection is closing. */
    private static void releaseFrame(Object msg) {
        if (msg instanceof SmtpDataChunk c) {
            c.content().release();
        } else if (msg instanceof SmtpMessageBody b) {
            b.content().release();
        }
    }

    /** A full chunk of the message: on to the spool now, so the heap holds at most a chunk per connection. */
    private void dataChunk(SmtpDataChunk chunk) {
        if (upload == null) {
            try {
                upload = server.ingress.begin();
            } catch (RuntimeException e) {
                chunk.content().release();
                log.warn("{} cannot start a spool upload: {}", session.id, e.toString());
                closeWith(SmtpReplies.SPOOL_FAILED);
                return;
            }
        }
        toSpool(upload, chunk.content());
    }

    /** Hands a buffer to the upload, counted in limits.maxBufferedDataBytes until it is written. */
    private void toSpool(MessageIngress.Upload target, ByteBuf content) {
        int n = content.readableBytes();
        DataBudget budget = server.dataBudget;
        boolean usedUp = budget.reserve(n);
        try {
            target.write(content).whenComplete((v, e) -> budget.release(n));
        } catch (RuntimeException e) {
            budget.release(n); // the upload fails its commit: 451 then
        }
        if (usedUp && !budgetPaused && !waiting) {
            // back-pressure, nothing refused: stop reading until the spool writer catches up
            budgetPaused = true;
            log.debug("{} limits.maxBufferedDataBytes ({}) used up: reading paused", session.id,
                    budget.limit());
            pauseReading();
            ctx.channel().config().setAutoRead(false);
            budget.whenAvailable(() -> ctx.executor().execute(this::budgetAvailable));
        }
    }

    private void budgetAvailable() {
        if (budgetPaused) {
            budgetPaused = false;
            resumeReading();
        }
    }

    private void abortUpload() {
        if (upload != null) {
            MessageIngress.Upload u = upload;
            upload = null;
            try {
                u.abort();
            } catch (RuntimeException e) {
                log.warn("{} cannot abort a spool upload: {}", session == null ? "" : session.id, e.toString());
            }
        }
    }

    private void messageBody(SmtpMessageBody body) {
        SmtpSession.Transaction tx = session.transaction;
        long endOfData = System.nanoTime();
        Envelope envelope = new Envelope(tx.id, tx.sender, tx.recipients, Instant.now(), session.helo,
                session.ipText, session.authUser, tx.smtpUtf8, tx.eightBit, tx.dsn());
        pauseReading();
        CompletableFuture<QueueId> future;
        try {
            if (upload == null && body.whole()) {
                // the whole message fit in one chunk: one inline record, no upload
                byte[] content = ByteBufUtil.getBytes(body.content());
                body.content().release();
                future = server.ingress.accept(envelope, content);
            } else {
                MessageIngress.Upload u = upload != null ? upload : server.ingress.begin();
                upload = null;
                toSpool(u, body.content());
                future = u.commit(envelope);
            }
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        // spool.writeTimeoutSec: a disk that does not answer gets the client a 451, not a hang
        boolean[] settled = new boolean[1];
        ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
            if (!settled[0]) {
                settled[0] = true;
                spooled(tx, envelope, body.bodyLength(), endOfData, new java.util.concurrent.TimeoutException(
                        "the spool did not answer within spool.writeTimeoutSec=" + server.spoolWriteTimeoutSec
                        + " s (the message may still become durable and is then delivered)"));
            }
        }, server.spoolWriteTimeoutSec, TimeUnit.SECONDS);
        // Complete on our loop, never inline: the decoder may be mid-decode right now.
        future.whenComplete((id, error) -> ctx.executor().execute(() -> {
            timeout.cancel(false);
            if (settled[0]) {
                if (error == null) {
                    log.warn("{} id={} became durable after its write timeout; it will be delivered "
                            + "(the client was told 451 and may send it again)", session.id, tx.id);
                }
                return;
            }
            settled[0] = true;
            spooled(tx, envelope, body.bodyLength(), endOfData, error);
        }));
    }

    private void spooled(SmtpSession.Transaction tx, Envelope envelope, long size, long endOfData,
            Throwable error) {
        if (session.transaction == tx) {
            session.transaction = null;
        }
        if (error == null) {
            tx.reservation.commit();
            server.metrics.emailsAccepted.mark();
            server.metrics.recipientsAccepted.inc(envelope.recipients().size());
            log.info("{} queued id={} client={} from={} nrcpt={} size={}", session.id, tx.id,
                    session.ipText, LogAddress.of(tx.sender, server.settings().logAllEmails()), envelope.recipients().size(), size);
            if (ctx.channel().isActive()) {
                write(SmtpReplies.queued(ctx.alloc(), tx.id.value()));
                server.metrics.acceptLatency.update(System.nanoTime() - endOfData, TimeUnit.NANOSECONDS);
            }
        } else {
            tx.reservation.release();
            log.warn("{} spool refused id={}: {}", session.id, tx.id, error.toString());
            write(SmtpReplies.SPOOL_FAILED);
        }
        resumeReading();
    }

    /** Holds back decoding until {@link #resumeReading}; the decoder bounds what it buffers. */
    void pauseReading() {
        waiting = true;
        deadlines.suspend();
        decoder.pause();
    }

    /** Decodes what arrived meanwhile (its replies are written now), then reads again. */
    void resumeReading() {
        waiting = false;
        if (closing || !ctx.channel().isActive()) {
            ctx.flush();
            return;
        }
        if (server.shuttingDown() && session.transaction == null) {
            closeWith(SmtpReplies.SHUTTING_DOWN);
            return;
        }
        if (!congested) {
            decoder.resume(); // may set waiting/congested/closing again
        }
        ctx.flush();
        if (!waiting && !closing) {
            deadlines.resume(decoder.bufferedBytes() > 0);
        }
        if (!waiting && !congested && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Backpressure: a client that pipelines without reading its replies would make the outbound
     * buffer grow without bound; above the write-buffer high-water mark reading stops until the
     * replies drain. Resuming is a new task, never inside a decode (this event can fire from a
     * flush made while the decoder is running).
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            if (!congested && !closing) {
                congested = true;
                log.debug("{} client is not reading its replies: pausing input", session.id);
                decoder.pause();
                ctx.channel().config().setAutoRead(false);
                ctx.flush();
            }
        } else if (congested) {
            ctx.executor().execute(() -> {
                if (congested && ctx.channel().isWritable()) {
                    congested = false;
                    if (!waiting) {
                        resumeReading();
                    }
                }
            });
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
            case MESSAGE_TOO_LARGE -> {
                abortUpload(); // what was already written is discarded
                session.endTransaction();
                log.info("{} message over limits.maxMessageSizeBytes ({}) refused", session.id,
                        server.maxMessageSize);
                write(SmtpReplies.MESSAGE_TOO_LARGE);
            }
            case BARE_LINE_FEED -> {
                abortUpload();
                session.endTransaction();
                log.info("{} message with bare LF refused (smtp.bareLineFeed=reject)", session.id);
                write(SmtpReplies.BARE_LINE_FEED);
            }
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
            if (!waiting && !closing) {
                log.info("{} idle for {} s, closing", session.id, server.idleTimeoutSec);
                closeWith(SmtpReplies.IDLE_TIMEOUT);
                // "idle" can mean reading was stopped for a client that does not read its replies
                ctx.executor().schedule(() -> ctx.close(), DEADLINE_CLOSE_GRACE_SEC, TimeUnit.SECONDS);
            }
        } else if (evt instanceof SmtpDeadlines.Expired expired) {
            if (!waiting && !closing) {
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
            if (session.transaction == null && !waiting && !closing) {
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
