package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.Utf8;
import dev.mailgateway.smtp.codec.SmtpReplies;
import java.time.ZonedDateTime;

/**
 * The envelope phase of a conversation (RFC 5321 4.1.1): EHLO/HELO, MAIL FROM, RCPT TO, DATA
 * (up to the 354) and RSET, through the connection's {@link SmtpConnection}. The checks run in
 * the order docs/smtp.md lists; the rate-limit step at the end of MAIL FROM is
 * {@link SmtpRateLimitCheck}. On the channel's event loop.
 */
final class SmtpEnvelopeCommands {

    private SmtpEnvelopeCommands() {
    }

    static void hello(SmtpConnection c, String arg, boolean extended) {
        SmtpSession session = c.session();
        SmtpServerContext server = c.server();
        int space = arg.indexOf(' ');
        String name = space < 0 ? arg : arg.substring(0, space);
        if (name.isEmpty() || name.length() > 255 || SmtpText.hasControl(name)) {
            c.write(extended ? SmtpReplies.EHLO_NEEDS_DOMAIN : SmtpReplies.HELO_NEEDS_DOMAIN);
            return;
        }
        session.endTransaction(); // RFC 5321 4.1.4: EHLO implies RSET
        session.helo = name;
        session.extended = extended;
        if (!extended) {
            c.write(server.heloReply);
            return;
        }
        boolean startTls = server.sslContext != null && !session.tls;
        c.write(server.ehloReply(startTls, authOffered(c)));
    }

    /** AUTH is offered when credentials exist, and only inside TLS unless the peer is loopback. */
    private static boolean authOffered(SmtpConnection c) {
        SmtpSession session = c.session();
        return session.authUser == null && c.server().credentials.configured()
                && (session.tls || session.loopback);
    }

    static void mail(SmtpConnection c, String arg) {
        SmtpSession session = c.session();
        SmtpServerContext server = c.server();
        if (session.helo == null) {
            c.write(SmtpReplies.NEED_HELO_FIRST);
            return;
        }
        if (session.transaction != null) {
            c.write(SmtpReplies.NESTED_MAIL);
            return;
        }
        if (server.requireAuth && session.authUser == null) {
            c.write(SmtpReplies.AUTH_REQUIRED);
            return;
        }
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            c.write(SmtpReplies.MAIL_SYNTAX);
            return;
        }
        SmtpPathParser.Result path = SmtpPathParser.parse(arg.substring(5), true, true,
                server.settings().requireAngleBrackets());
        if (!path.ok()) {
            c.write(SmtpReplies.badSender(c.alloc(), path.problem()));
            return;
        }
        MailParameters params = MailParameters.parse(arg.substring(5 + path.end()));
        if (refusedParameters(c, params.unknown(), params.problem())) {
            return;
        }
        if (!params.smtpUtf8() && !Utf8.isAscii(path.address())) {
            c.write(SmtpReplies.badSender(c.alloc(), "non-ASCII characters need the SMTPUTF8 parameter"));
            return;
        }
        if (params.size() > server.maxMessageSize) {
            c.write(SmtpReplies.MESSAGE_TOO_LARGE); // RFC 1870 section 6
            return;
        }
        switch (server.ingress.admission()) {
            case OK -> { }
            case QUEUE_FULL -> {
                c.write(SmtpReplies.QUEUE_FULL);
                return;
            }
            case DISK_LOW -> {
                c.write(SmtpReplies.DISK_LOW);
                return;
            }
            default -> {
                c.write(SmtpReplies.SERVICE_UNAVAILABLE);
                return;
            }
        }
        SmtpRateLimitCheck.reserve(c, path.address(), params); // may answer later (Redis)
    }

    static void rcpt(SmtpConnection c, String arg) {
        SmtpServerContext server = c.server();
        SmtpSession.Transaction tx = c.session().transaction;
        if (tx == null) {
            c.write(SmtpReplies.NEED_MAIL_BEFORE_RCPT);
            return;
        }
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            c.write(SmtpReplies.RCPT_SYNTAX);
            return;
        }
        SmtpPathParser.Result path = SmtpPathParser.parse(arg.substring(3), false, tx.smtpUtf8,
                server.settings().requireAngleBrackets());
        if (!path.ok()) {
            c.write(SmtpReplies.badRecipient(c.alloc(), path.problem()));
            return;
        }
        DsnSyntax.RcptParameters params = DsnSyntax.parseRcpt(arg.substring(3 + path.end()));
        if (refusedParameters(c, params.unknown(), params.problem())) {
            return;
        }
        if (tx.hasRecipient(path.address())) {
            c.write(SmtpReplies.RECIPIENT_OK); // a duplicate collapses into the first
        } else if (tx.recipients.size() >= server.maxRecipients) {
            c.write(SmtpReplies.TOO_MANY_RECIPIENTS); // RFC 5321 4.5.3.1.10
        } else {
            tx.addRecipient(path.address(), params.notifyValue(), params.orcpt());
            c.write(SmtpReplies.RECIPIENT_OK);
        }
    }

    /** MAIL/RCPT parameters: 555 naming an unknown one, else 501 for a bad value; true when answered. */
    private static boolean refusedParameters(SmtpConnection c, String unknown, String problem) {
        if (unknown != null) {
            c.write(SmtpReplies.unknownParameter(c.alloc(), unknown));
            return true;
        }
        if (problem != null) {
            c.write(SmtpReplies.badParameter(c.alloc(), problem));
            return true;
        }
        return false;
    }

    static void data(SmtpConnection c, String arg) {
        SmtpSession session = c.session();
        SmtpServerContext server = c.server();
        SmtpSession.Transaction tx = session.transaction;
        if (!arg.isEmpty()) {
            c.write(SmtpReplies.NO_ARGUMENTS_ALLOWED);
        } else if (tx == null) {
            c.write(SmtpReplies.NEED_MAIL_BEFORE_DATA);
        } else if (tx.recipients.isEmpty()) {
            c.write(SmtpReplies.NO_VALID_RECIPIENTS); // RFC 2920 3.1
        } else {
            tx.id = server.ids.next();
            byte[] received = ReceivedHeader.build(session.helo, session.ip, server.hostname,
                    session.protocol(), tx.id.value(), ZonedDateTime.now());
            c.startData(received);
            c.write(SmtpReplies.START_MAIL_INPUT);
        }
    }

    static void rset(SmtpConnection c, String arg) {
        if (!arg.isEmpty()) {
            c.write(SmtpReplies.NO_ARGUMENTS_ALLOWED);
            return;
        }
        c.session().endTransaction();
        c.write(SmtpReplies.RESET_OK);
    }
}
