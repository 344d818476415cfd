package dev.mailgateway.core.model;

import java.time.Instant;
import java.util.List;

/**
 * The SMTP envelope of an accepted message, fixed at the end of DATA.
 *
 * @param id         the queue id (also in the Received header)
 * @param sender     the reverse-path without angle brackets; "" for the null path {@code <>}
 * @param recipients forward-paths without angle brackets, in RCPT order, no duplicates
 * @param receivedAt when the final dot was received
 * @param clientHelo the EHLO/HELO argument
 * @param clientIp   the peer's address, as text
 * @param authUser   the authenticated user, or "" when the session did not AUTH
 * @param smtpUtf8   MAIL FROM carried SMTPUTF8 (RFC 6531)
 * @param eightBit   MAIL FROM carried BODY=8BITMIME (RFC 6152)
 * @param dsn        RFC 3461 parameters ({@link Dsn#NONE} when the client gave none)
 */
public record Envelope(
        QueueId id, String sender, List<String> recipients, Instant receivedAt,
        String clientHelo, String clientIp, String authUser, boolean smtpUtf8, boolean eightBit,
        Dsn dsn) {

    /** An envelope without DSN parameters. */
    public Envelope(QueueId id, String sender, List<String> recipients, Instant receivedAt,
            String clientHelo, String clientIp, String authUser, boolean smtpUtf8, boolean eightBit) {
        this(id, sender, recipients, receivedAt, clientHelo, clientIp, authUser, smtpUtf8, eightBit, Dsn.NONE);
    }

    public Envelope {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        authUser = authUser == null ? "" : authUser;
        clientHelo = clientHelo == null ? "" : clientHelo;
        clientIp = clientIp == null ? "" : clientIp;
        dsn = dsn == null ? Dsn.NONE : dsn;
        if (!dsn.notifies().isEmpty() && dsn.notifies().size() != recipients.size()
                || !dsn.orcpt().isEmpty() && dsn.orcpt().size() != recipients.size()) {
            throw new IllegalArgumentException("DSN parameters must be given for every recipient or none");
        }
    }
}
