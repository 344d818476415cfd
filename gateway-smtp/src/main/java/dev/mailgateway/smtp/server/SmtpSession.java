package dev.mailgateway.smtp.server;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.smtp.auth.SaslExchange;
import dev.mailgateway.smtp.ratelimit.RateLimiter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The state of one SMTP connection: who the client said it is, TLS and AUTH, and the current
 * mail {@link Transaction}. Owned by one {@link SmtpServerHandler}; touched only on the
 * channel's event loop. RFC 5321 4.1.4: RSET and EHLO end the transaction; RFC 3207 4.2: STARTTLS
 * forgets everything ({@link #resetAfterTls}).
 */
final class SmtpSession {

    /** One mail transaction: MAIL FROM, RCPTs, then DATA. Replaced on RSET and after DATA. */
    static final class Transaction {
        final String sender;
        final boolean smtpUtf8;
        final boolean eightBit;
        final long declaredSize;
        final RateLimiter.Reservation reservation;
        final List<String> recipients = new ArrayList<>(4);
        private final Set<String> keys = new HashSet<>(8);
        QueueId id;

        Transaction(String sender, boolean smtpUtf8, boolean eightBit, long declaredSize,
                RateLimiter.Reservation reservation) {
            this.sender = sender;
            this.smtpUtf8 = smtpUtf8;
            this.eightBit = eightBit;
            this.declaredSize = declaredSize;
            this.reservation = reservation;
        }

        // RFC 3461 parameters (issue #14): RET/ENVID of MAIL, NOTIFY/ORCPT per recipient
        private String ret = "";
        private String envId = "";
        private List<String> notifies;
        private List<String> orcpts;

        void dsn(String ret, String envId) {
            this.ret = ret;
            this.envId = envId;
        }

        /** Adds a recipient with its NOTIFY / ORCPT ("" when not given); false for a duplicate. */
        boolean addRecipient(String address, String notify, String orcpt) {
            if (!addRecipient(address)) {
                return false;
            }
            if (!notify.isEmpty() || !orcpt.isEmpty()) {
                if (notifies == null) {
                    notifies = new ArrayList<>(java.util.Collections.nCopies(recipients.size() - 1, ""));
                    orcpts = new ArrayList<>(java.util.Collections.nCopies(recipients.size() - 1, ""));
                }
            }
            if (notifies != null) {
                notifies.add(notify);
                orcpts.add(orcpt);
            }
            return true;
        }

        /** The transaction's DSN parameters for the envelope. */
        dev.mailgateway.core.model.Dsn dsn() {
            if (ret.isEmpty() && envId.isEmpty() && notifies == null) {
                return dev.mailgateway.core.model.Dsn.NONE;
            }
            return new dev.mailgateway.core.model.Dsn(ret, envId, notifies == null ? List.of() : notifies,
                    orcpts == null ? List.of() : orcpts);
        }

        boolean hasRecipient(String address) {
            return keys.contains(key(address));
        }

        /** Adds a recipient; false when it is already there (duplicates collapse). */
        boolean addRecipient(String address) {
            if (!keys.add(key(address))) {
                return false;
            }
            recipients.add(address);
            return true;
        }

        /** The domain is case-insensitive (RFC 5321 2.4), the local part is not. */
        private static String key(String address) {
            int at = address.lastIndexOf('@');
            return at < 0 ? address.toLowerCase(Locale.ROOT)
                    : address.substring(0, at) + address.substring(at).toLowerCase(Locale.ROOT);
        }
    }

    final String id;
    final InetAddress ip;
    final String ipText;
    final boolean loopback;

    String helo;
    boolean extended;
    boolean tls;
    String authUser;
    Transaction transaction;
    SaslExchange auth;

    SmtpSession(String id, InetAddress ip) {
        this.id = id;
        this.ip = ip;
        this.ipText = ip == null ? "" : ip.getHostAddress();
        this.loopback = ip != null && ip.isLoopbackAddress();
    }

    /** Ends the transaction (if any), giving back its rate-limit slot. */
    void endTransaction() {
        if (transaction != null) {
            transaction.reservation.release();
            transaction = null;
        }
    }

    /** RFC 3207 4.2: after the TLS handshake the client starts over with EHLO. */
    void resetAfterTls() {
        endTransaction();
        helo = null;
        extended = false;
        authUser = null;
        auth = null;
        tls = true;
    }

    /** "with" protocol of the Received header (RFC 3848). */
    String protocol() {
        if (!extended) {
            return "SMTP";
        }
        return "ESMTP" + (tls ? "S" : "") + (authUser != null ? "A" : "");
    }
}
