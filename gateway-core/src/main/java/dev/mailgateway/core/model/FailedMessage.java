package dev.mailgateway.core.model;

import java.time.Instant;
import java.util.List;

/**
 * A message parked in the failed store ({@code <emailsDir>/failed/<id>.json}): complete enough
 * to resend from that file alone.
 *
 * @param id            the original queue id (kept when re-sent)
 * @param from          the reverse-path ("" for {@code <>})
 * @param to            the recipients that failed (only those)
 * @param receivedAt    when the gateway first accepted it
 * @param attempts      delivery attempts made
 * @param lastAttemptAt when the last attempt ended
 * @param lastError     the upstream's reply or the local error of the last failure
 * @param content       the raw message bytes (may be null in listings, see FailedStore)
 * @param smtpUtf8      the original MAIL FROM carried SMTPUTF8
 * @param eightBit      the original MAIL FROM carried BODY=8BITMIME
 * @param dsn           the RFC 3461 parameters of the transaction, per recipient in {@code to}'s
 *                      order, so a re-send passes them on as the first attempt did
 */
public record FailedMessage(
        QueueId id, String from, List<String> to, Instant receivedAt, int attempts,
        Instant lastAttemptAt, String lastError, byte[] content, boolean smtpUtf8,
        boolean eightBit, Dsn dsn) {

    public FailedMessage {
        to = List.copyOf(to);
        dsn = dsn == null ? Dsn.NONE : dsn;
    }

    /** Without DSN parameters. */
    public FailedMessage(QueueId id, String from, List<String> to, Instant receivedAt, int attempts,
                         Instant lastAttemptAt, String lastError, byte[] content, boolean smtpUtf8,
                         boolean eightBit) {
        this(id, from, to, receivedAt, attempts, lastAttemptAt, lastError, content, smtpUtf8, eightBit, Dsn.NONE);
    }

    /** The same message without its content, for listings. */
    public FailedMessage summary() {
        return new FailedMessage(id, from, to, receivedAt, attempts, lastAttemptAt, lastError,
                null, smtpUtf8, eightBit, dsn);
    }
}
