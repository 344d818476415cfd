package dev.mailgateway.relay.client;

import dev.mailgateway.core.text.Utf8;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.spool.MessageContent;
import dev.mailgateway.relay.mime.EightBitDowngrade;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One mail transaction (RFC 5321 3.3) for one batch of recipients on a ready connection.
 *
 * <p>With PIPELINING (RFC 2920) the whole envelope goes in one write: {@code [RSET] MAIL RCPT..
 * DATA}, one collector waiting for all their replies; then the body in one write. Without it,
 * one command per round trip. A reused connection is RSET first; if it proves dead before its
 * first reply, the result says {@code retryFresh} and nothing is decided for any recipient.
 *
 * <p>Checks before anything is sent (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8): a
 * message the upstream cannot take fails permanently with a local 5xx, never goes out altered.
 * Loop only.
 */
public final class SmtpTransaction {

    private final UpstreamConnection conn;
    private final Envelope envelope;
    private MessageContent content; // an in-memory content is replaced by its 7-bit conversion for an upstream without 8BITMIME
    private final List<String> rcpts;
    private final boolean rsetFirst;
    private final long commandMs;
    private final long dataMs;
    private final Promise<BatchResult> promise;
    private final RecipientOutcome[] outcomes;
    private final boolean[] accepted;
    private int acceptedCount;

    private SmtpTransaction(UpstreamConnection conn, Envelope envelope, MessageContent content,
                            List<String> rcpts, RelayConfig rc) {
        this.conn = conn;
        this.envelope = envelope;
        this.content = content;
        this.rcpts = rcpts;
        this.rsetFirst = conn.uses() > 0;
        this.commandMs = rc.commandTimeoutSec() * 1000L;
        this.dataMs = rc.dataTimeoutSec() * 1000L;
        this.promise = conn.channel().eventLoop().newPromise();
        this.outcomes = new RecipientOutcome[rcpts.size()];
        this.accepted = new boolean[rcpts.size()];
    }

    /** Runs the transaction; the future never fails, connection problems become outcomes. */
    public static Future<BatchResult> run(UpstreamConnection conn, Envelope envelope, byte[] content,
                                          List<String> rcpts, RelayConfig rc) {
        return run(conn, envelope, MessageContent.of(content), rcpts, rc);
    }

    /** As above; a streamed content goes out from the spool in chunks, dot-stuffed on the way. */
    public static Future<BatchResult> run(UpstreamConnection conn, Envelope envelope, MessageContent content,
                                          List<String> rcpts, RelayConfig rc) {
        SmtpTransaction t = new SmtpTransaction(conn, envelope, content, rcpts, rc);
        conn.countUse();
        t.start();
        return t.promise;
    }

    private void start() {
        if (!content.inMemory() && needsEightBitScan()) {
            // rare: an upstream without 8BITMIME and a streamed message: scan (and check conversion)
            scanEightBit(0);
            return;
        }
        proceed();
    }

    private boolean needsEightBitScan() {
        UpstreamCapabilities caps = conn.capabilities();
        return !caps.eightBitMime() && !caps.smtpUtf8(); // declared 8-bit or not: only 8-bit bytes matter
    }

    /**
     * Reads the streamed content once, chunk by chunk, before MAIL FROM (an upstream without
     * 8BITMIME): looks for 8-bit bytes and runs the quoted-printable conversion over it without
     * keeping the output, so a message that cannot be converted is refused before anything is
     * sent and the converted length is known for SIZE. The send pass converts again, chunk by
     * chunk (the conversion is deterministic). At most one chunk and its conversion in memory.
     */
    private void scanEightBit(long offset) {
        if (scan == null) {
            scan = new EightBitDowngrade();
            scanSink = conn.channel().alloc().heapBuffer(MessageContent.CHUNK);
        }
        content.read(offset, MessageContent.CHUNK).whenComplete((part, err) -> conn.channel().eventLoop().execute(() -> {
            if (err != null) {
                endScan();
                finishAll(DeliveryStatus.DEFERRED, "451 4.3.0 cannot read the message from the spool: " + err, true);
                return;
            }
            eightBitFound |= DotStuffing.hasEightBit(part);
            boolean last = part.length == 0 || offset + part.length >= content.length();
            try {
                scan.feed(io.netty.buffer.Unpooled.wrappedBuffer(part), scanSink);
                if (last) {
                    scan.finish(scanSink);
                }
                convertedLength += scanSink.readableBytes();
                scanSink.clear();
            } catch (EightBitDowngrade.DowngradeException e) {
                downgradeError = e.getMessage();
                last = true;
            }
            if (last) {
                endScan();
                proceed();
            } else {
                scanEightBit(offset + part.length);
            }
        }));
    }

    private void endScan() {
        if (scanSink != null) {
            scanSink.release();
            scanSink = null;
        }
    }

    private boolean eightBitFound;
    private EightBitDowngrade scan;
    private io.netty.buffer.ByteBuf scanSink;
    private long convertedLength;
    private String downgradeError;
    /** The streamed content goes out through this conversion (an upstream without 8BITMIME). */
    private EightBitDowngrade sendDowngrade;

    private boolean hasEightBit() {
        return content.inMemory() ? DotStuffing.hasEightBit(content.bytes()) : eightBitFound;
    }

    /** What is sent: the content's length, or that of its quoted-printable conversion. */
    private long sentLength() {
        return sendDowngrade != null ? convertedLength : content.length();
    }

    private void proceed() {
        String refusal = refusal();
        if (refusal != null) {
            finishAll(DeliveryStatus.FAILED, refusal, true);
            return;
        }
        if (conn.capabilities().pipelining()) {
            pipelined();
        } else if (rsetFirst) {
            conn.command("RSET", commandMs).addListener((Future<List<SmtpResponse>> f) -> {
                if (!f.isSuccess() || !SmtpCodes.isPositive(f.getNow().get(0).code())) {
                    conn.close();
                    promise.trySuccess(BatchResult.retryOnFreshConnection());
                    return;
                }
                mail();
            });
        } else {
            mail();
        }
    }

    /** Why this upstream cannot take this message, or null. */
    private String refusal() {
        UpstreamCapabilities caps = conn.capabilities();
        String addr = conn.provider().address();
        if (!caps.eightBitMime() && !caps.smtpUtf8() && hasEightBit()) {
            if (!content.inMemory()) { // streamed: checked by the scan, converted while sending
                if (downgradeError != null) {
                    return "554 5.6.3 " + addr + " does not support 8BITMIME and the message's 8-bit "
                            + "content cannot be converted (" + downgradeError + "); not sent rather than "
                            + "corrupted (RFC 6152 3)";
                }
                sendDowngrade = new EightBitDowngrade();
            } else try { // RFC 6152 3: convert 8bit MIME parts to quoted-printable rather than refuse
                content = MessageContent.of(EightBitDowngrade.convert(content.bytes()));
            } catch (EightBitDowngrade.DowngradeException e) {
                return "554 5.6.3 " + addr + " does not support 8BITMIME and the message's 8-bit "
                        + "content cannot be converted (" + e.getMessage() + "); not sent rather than "
                        + "corrupted (RFC 6152 3)";
            }
        }
        if (caps.size() && caps.maxSize() > 0 && sentLength() > caps.maxSize()) {
            return "552 5.3.4 message of " + sentLength() + " bytes exceeds the SIZE limit "
                    + caps.maxSize() + " of " + addr;
        }
        boolean utf8 = envelope.smtpUtf8() || !Utf8.isAscii(envelope.sender()) || !allAscii(rcpts);
        if (utf8 && !caps.smtpUtf8()) {
            return "553 5.6.7 " + addr + " does not support SMTPUTF8, needed for this message's "
                    + "internationalized addresses (RFC 6531 3.4)";
        }
        return null;
    }

    private String mailCommand() {
        UpstreamCapabilities caps = conn.capabilities();
        StringBuilder sb = new StringBuilder(64).append("MAIL FROM:<").append(envelope.sender()).append('>');
        if (caps.size()) {
            sb.append(" SIZE=").append(sentLength());
        }
        if (caps.eightBitMime() && (envelope.eightBit() || envelope.smtpUtf8())) { // (converted content stays 7-bit)
            sb.append(" BODY=8BITMIME");
        }
        if (caps.smtpUtf8() && envelope.smtpUtf8()) {
            sb.append(" SMTPUTF8");
        }
        DsnParameters.appendMail(sb, envelope, caps);
        return sb.toString();
    }

    // --- pipelined (RFC 2920): one write for the envelope, one for the body

    private void pipelined() {
        int n = rcpts.size();
        ByteBuf out = conn.buffer(64 + 48 * n);
        if (rsetFirst) {
            UpstreamConnection.appendLine(out, "RSET");
        }
        UpstreamConnection.appendLine(out, mailCommand());
        for (String r : rcpts) {
            UpstreamConnection.appendLine(out, "RCPT TO:<" + r + ">" + DsnParameters.rcpt(envelope, r, conn.capabilities()));
        }
        UpstreamConnection.appendLine(out, "DATA"); // DATA may end a group (RFC 2920 3.1)
        int expected = (rsetFirst ? 1 : 0) + 1 + n + 1;
        conn.send(out, expected, commandMs).addListener((Future<List<SmtpResponse>> f) -> {
            if (!f.isSuccess()) {
                int got = f.cause() instanceof UpstreamException ue ? ue.repliesReceived() : 0;
                if (rsetFirst && got == 0) {
                    promise.trySuccess(BatchResult.retryOnFreshConnection());
                } else {
                    finishAll(DeliveryStatus.DEFERRED, "451 4.4.2 " + f.cause().getMessage(), false);
                }
                return;
            }
            List<SmtpResponse> replies = f.getNow();
            int i = 0;
            if (rsetFirst && !SmtpCodes.isPositive(replies.get(i++).code())) {
                conn.close();
                promise.trySuccess(BatchResult.retryOnFreshConnection());
                return;
            }
            SmtpResponse mail = replies.get(i++);
            SmtpResponse data = replies.get(replies.size() - 1);
            if (!SmtpCodes.isPositive(mail.code())) {
                finishAll(SmtpCodes.statusOf(mail.code()), SmtpCodes.text(mail), data.code() != 354);
                return;
            }
            for (int r = 0; r < n; r++) {
                rcptReply(r, replies.get(i++));
            }
            if (data.code() != 354) {
                finishAccepted(data, true);
            } else if (acceptedCount == 0) {
                // 354 without a valid recipient: we cannot send an empty body safely; drop the connection
                finishAccepted(data, false);
            } else {
                body();
            }
        });
    }

    // --- one command per round trip

    private void mail() {
        conn.command(mailCommand(), commandMs).addListener((Future<List<SmtpResponse>> f) -> {
            if (!f.isSuccess()) {
                finishAll(DeliveryStatus.DEFERRED, "451 4.4.2 " + f.cause().getMessage(), false);
                return;
            }
            SmtpResponse mail = f.getNow().get(0);
            if (!SmtpCodes.isPositive(mail.code())) {
                finishAll(SmtpCodes.statusOf(mail.code()), SmtpCodes.text(mail), true);
                return;
            }
            rcpt(0);
        });
    }

    private void rcpt(int index) {
        if (index == rcpts.size()) {
            data();
            return;
        }
        conn.command("RCPT TO:<" + rcpts.get(index) + ">"
                + DsnParameters.rcpt(envelope, rcpts.get(index), conn.capabilities()), commandMs).addListener((Future<List<SmtpResponse>> f) -> {
            if (!f.isSuccess()) {
                finishAll(DeliveryStatus.DEFERRED, "451 4.4.2 " + f.cause().getMessage(), false);
                return;
            }
            rcptReply(index, f.getNow().get(0));
            rcpt(index + 1);
        });
    }

    private void data() {
        if (acceptedCount == 0) {
            finishAccepted(null, true);
            return;
        }
        conn.command("DATA", commandMs).addListener((Future<List<SmtpResponse>> f) -> {
            if (!f.isSuccess()) {
                finishAll(DeliveryStatus.DEFERRED, "451 4.4.2 " + f.cause().getMessage(), false);
                return;
            }
            SmtpResponse data = f.getNow().get(0);
            if (data.code() != 354) {
                finishAccepted(data, true);
            } else {
                body();
            }
        });
    }

    // --- shared

    private void body() {
        ByteBuf body;
        if (content.inMemory()) {
            body = DotStuffing.encode(conn.channel().alloc(), content.bytes());
        } else {
            body = null; // only wait for the final reply; the chunks follow below
        }
        conn.send(body, 1, dataMs).addListener((Future<List<SmtpResponse>> f) -> {
            if (!f.isSuccess()) {
                // RFC 5321 6.1: without the final reply we cannot know; retrying may duplicate,
                // which is the lesser evil than losing the message
                finishAll(DeliveryStatus.DEFERRED, "451 4.4.2 " + f.cause().getMessage(), false);
                return;
            }
            finishAccepted(f.getNow().get(0), true);
        });
        if (body == null) {
            streamBody(new DotStuffing.Streamer(), 0);
        }
    }

    /**
     * Sends a streamed content: read a chunk from the spool, stuff it, write it, and read the
     * next only once the write has left (so at most one chunk per transaction is in memory);
     * then the terminator. A read error closes the connection without the terminator, so the
     * upstream discards the partial message; the pending reply fails and the batch is deferred.
     */
    private void streamBody(DotStuffing.Streamer stuffer, long offset) {
        if (promise.isDone() || !conn.isActive()) {
            return;
        }
        if (offset >= content.length()) {
            if (sendDowngrade != null) {
                byte[] tail = converted(null);
                if (tail == null) {
                    return;
                }
                conn.channel().write(stuffer.encode(conn.channel().alloc(), tail, 0, tail.length));
            }
            conn.channel().writeAndFlush(stuffer.finish(conn.channel().alloc()));
            return;
        }
        content.read(offset, MessageContent.CHUNK).whenComplete((part, err) -> conn.channel().eventLoop().execute(() -> {
            if (promise.isDone()) {
                return;
            }
            if (err != null || part.length == 0) {
                org.slf4j.LoggerFactory.getLogger(SmtpTransaction.class).warn("{} cannot read its content "
                        + "at offset {} while sending: {}", envelope.id(), offset, err == null ? "no data" : err.toString());
                conn.close(); // no terminator: the upstream must not take a truncated message
                return;
            }
            byte[] out = sendDowngrade == null ? part : converted(part);
            if (out == null) {
                return;
            }
            conn.channel().writeAndFlush(stuffer.encode(conn.channel().alloc(), out, 0, out.length))
                    .addListener(w -> {
                        if (w.isSuccess()) {
                            streamBody(stuffer, offset + part.length);
                        }
                    });
        }));
    }

    /**
     * {@code part} (or, with null, the end of the message) through the send pass's
     * quoted-printable conversion; null after closing the connection if it fails, which the scan
     * pass ruled out (the conversion is deterministic), so only a changed spool file gets here.
     */
    private byte[] converted(byte[] part) {
        io.netty.buffer.ByteBuf out = conn.channel().alloc().heapBuffer(part == null ? 256 : part.length + part.length / 4);
        try {
            if (part == null) {
                sendDowngrade.finish(out);
            } else {
                sendDowngrade.feed(io.netty.buffer.Unpooled.wrappedBuffer(part), out);
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } catch (EightBitDowngrade.DowngradeException e) {
            org.slf4j.LoggerFactory.getLogger(SmtpTransaction.class).warn("{} 8-bit conversion failed while "
                    + "sending ({}); closing without the terminator", envelope.id(), e.getMessage());
            conn.close(); // no terminator: the upstream must not take a truncated message
            return null;
        } finally {
            out.release();
        }
    }

    private void rcptReply(int index, SmtpResponse reply) {
        if (SmtpCodes.isPositive(reply.code())) {
            accepted[index] = true;
            acceptedCount++;
        } else {
            outcomes[index] = new RecipientOutcome(rcpts.get(index), SmtpCodes.statusOf(reply.code()),
                    SmtpCodes.text(reply));
        }
    }

    /** Accepted recipients take the end-of-data (or DATA) reply; the others already have theirs. */
    private void finishAccepted(SmtpResponse reply, boolean reusable) {
        if (reply != null) {
            DeliveryStatus status = SmtpCodes.statusOf(reply.code());
            String text = SmtpCodes.text(reply);
            for (int i = 0; i < outcomes.length; i++) {
                if (accepted[i]) {
                    outcomes[i] = new RecipientOutcome(rcpts.get(i), status, text);
                }
            }
        }
        if (!reusable) {
            conn.close();
        }
        promise.trySuccess(new BatchResult(Arrays.asList(outcomes), reusable && conn.isActive(), false));
    }

    /** Every recipient of the batch gets the same outcome. */
    private void finishAll(DeliveryStatus status, String reply, boolean reusable) {
        List<RecipientOutcome> all = new ArrayList<>(rcpts.size());
        for (String r : rcpts) {
            all.add(new RecipientOutcome(r, status, reply));
        }
        if (!reusable) {
            conn.close();
        }
        promise.trySuccess(new BatchResult(all, reusable && conn.isActive(), false));
    }

    private static boolean allAscii(List<String> list) {
        for (String s : list) {
            if (!Utf8.isAscii(s)) {
                return false;
            }
        }
        return true;
    }
}
