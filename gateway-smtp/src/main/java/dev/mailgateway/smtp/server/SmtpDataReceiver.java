package dev.mailgateway.smtp.server;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.smtp.codec.SmtpDataChunk;
import dev.mailgateway.smtp.codec.SmtpDecodeError;
import dev.mailgateway.smtp.codec.SmtpMessageBody;
import dev.mailgateway.smtp.codec.SmtpReplies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DATA phase of one connection, after the 354: the message's chunks go to the spool as they
 * arrive ({@code ingress.begin()} → {@code upload.write}), each counted in
 * {@code limits.maxBufferedDataBytes} until written; at the final dot the upload is committed
 * with the envelope (a message that fit one chunk goes whole through {@code ingress.accept}),
 * reading pauses until the spool answers, then {@code 250} or {@code 451}
 * ({@code spool.writeTimeoutSec} included). One instance per connection, on its event loop.
 */
final class SmtpDataReceiver {

    // the lines keep the logger name the docs and operators know (docs/smtp.md, Log lines)
    private static final Logger log = LoggerFactory.getLogger(SmtpServerHandler.class);

    private final SmtpConnection conn;
    private MessageIngress.Upload upload; // the message being streamed, null before its first full chunk

    SmtpDataReceiver(SmtpConnection conn) {
        this.conn = conn;
    }

    /** Data frames own a buffer: released when the connection is closing. */
    static void releaseFrame(Object msg) {
        if (msg instanceof SmtpDataChunk c) {
            c.content().release();
        } else if (msg instanceof SmtpMessageBody b) {
            b.content().release();
        }
    }

    /** A full chunk of the message: on to the spool now, so the heap holds at most a chunk per connection. */
    void chunk(SmtpDataChunk chunk) {
        if (upload == null) {
            try {
                upload = conn.server().ingress.begin();
            } catch (RuntimeException e) {
                chunk.content().release();
                log.warn("{} cannot start a spool upload: {}", conn.session().id, e.toString());
                conn.closeWith(SmtpReplies.SPOOL_FAILED);
                return;
            }
        }
        toSpool(upload, chunk.content());
    }

    /** Hands a buffer to the upload, counted in limits.maxBufferedDataBytes until it is written. */
    private void toSpool(MessageIngress.Upload target, ByteBuf content) {
        int n = content.readableBytes();
        DataBudget budget = conn.server().dataBudget;
        boolean usedUp = budget.reserve(n);
        try {
            target.write(content).whenComplete((v, e) -> budget.release(n));
        } catch (RuntimeException e) {
            budget.release(n); // the upload fails its commit: 451 then
        }
        if (usedUp && conn.pauseForBudget(budget)) {
            // back-pressure, nothing refused: reading stopped until the spool writer catches up
            log.debug("{} limits.maxBufferedDataBytes ({}) used up: reading paused", conn.session().id,
                    budget.limit());
        }
    }

    /** The transaction ends without a message (552, bare-LF reject, disconnect): nothing of it becomes live. */
    void abort() {
        if (upload != null) {
            MessageIngress.Upload u = upload;
            upload = null;
            try {
                u.abort();
            } catch (RuntimeException e) {
                SmtpSession session = conn.session();
                log.warn("{} cannot abort a spool upload: {}", session == null ? "" : session.id, e.toString());
            }
        }
    }

    /**
     * The decoder refused the message at its terminator: over limits.maxMessageSizeBytes
     * ({@code 552}, RFC 5321 4.5.3.1.10) or a bare LF with smtp.bareLineFeed=reject ({@code 550}).
     * What was already written is discarded; the transaction ends.
     */
    void refused(SmtpDecodeError error) {
        SmtpSession session = conn.session();
        abort();
        session.endTransaction();
        if (error == SmtpDecodeError.MESSAGE_TOO_LARGE) {
            log.info("{} message over limits.maxMessageSizeBytes ({}) refused", session.id,
                    conn.server().maxMessageSize);
            conn.write(SmtpReplies.MESSAGE_TOO_LARGE);
        } else {
            log.info("{} message with bare LF refused (smtp.bareLineFeed=reject)", session.id);
            conn.write(SmtpReplies.BARE_LINE_FEED);
        }
    }

    /** The final dot: commit, pause reading, answer when the spool does (or at the write timeout). */
    void body(SmtpMessageBody body) {
        SmtpSession session = conn.session();
        SmtpServerContext server = conn.server();
        SmtpSession.Transaction tx = session.transaction;
        long endOfData = System.nanoTime();
        Envelope envelope = new Envelope(tx.id, tx.sender, tx.recipients, Instant.now(), session.helo,
                session.ipText, session.authUser, tx.smtpUtf8, tx.eightBit, tx.dsn());
        conn.pauseReading();
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
        ScheduledFuture<?> timeout = conn.loop().schedule(() -> {
            if (!settled[0]) {
                settled[0] = true;
                spooled(tx, envelope, body.bodyLength(), endOfData, new TimeoutException(
                        "the spool did not answer within spool.writeTimeoutSec=" + server.spoolWriteTimeoutSec
                        + " s (the message may still become durable and is then delivered)"));
            }
        }, server.spoolWriteTimeoutSec, TimeUnit.SECONDS);
        // Complete on our loop, never inline: the decoder may be mid-decode right now.
        future.whenComplete((id, error) -> conn.loop().execute(() -> {
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
        SmtpSession session = conn.session();
        SmtpServerContext server = conn.server();
        if (session.transaction == tx) {
            session.transaction = null;
        }
        if (error == null) {
            tx.reservation.commit();
            server.metrics.emailsAccepted.mark();
            server.metrics.recipientsAccepted.inc(envelope.recipients().size());
            log.info("{} queued id={} client={} from={} nrcpt={} size={}", session.id, tx.id,
                    session.ipText, LogAddress.of(tx.sender, server.settings().logAllEmails()),
                    envelope.recipients().size(), size);
            if (conn.active()) {
                conn.write(SmtpReplies.queued(conn.alloc(), tx.id.value()));
                server.metrics.acceptLatency.update(System.nanoTime() - endOfData, TimeUnit.NANOSECONDS);
            }
        } else {
            tx.reservation.release();
            log.warn("{} spool refused id={}: {}", session.id, tx.id, error.toString());
            conn.write(SmtpReplies.SPOOL_FAILED);
        }
        conn.resumeReading();
    }
}
