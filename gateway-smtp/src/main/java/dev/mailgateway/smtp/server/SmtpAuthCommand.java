package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.ClientText;
import dev.mailgateway.smtp.auth.SaslExchange;
import dev.mailgateway.smtp.codec.SmtpReplies;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AUTH command (RFC 4954) for one connection ({@link SmtpConnection}): preconditions, the SASL
 * exchange, credential check, failure counting and the delayed {@code 535}. Runs on the
 * channel's event loop. Never logs a response line or a password; the user name is logged.
 */
final class SmtpAuthCommand {

    private static final Logger log = LoggerFactory.getLogger(SmtpAuthCommand.class);

    private SmtpAuthCommand() {
    }

    static void auth(SmtpConnection c, String arg) {
        SmtpSession session = c.session();
        if (!c.server().credentials.configured()) {
            c.write(SmtpReplies.AUTH_NOT_AVAILABLE);
            return;
        }
        if (session.helo == null || !session.extended) {
            c.write(SmtpReplies.NEED_HELO_FIRST);
            return;
        }
        if (session.authUser != null) {
            c.write(SmtpReplies.ALREADY_AUTHENTICATED);
            return;
        }
        if (session.transaction != null) {
            c.write(SmtpReplies.AUTH_IN_TRANSACTION);
            return;
        }
        if (!session.tls && !session.loopback) {
            c.write(SmtpReplies.ENCRYPTION_REQUIRED);
            return;
        }
        if (session.ip != null && c.server().authFailures.isBlocked(session.ip)) {
            c.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        int space = arg.indexOf(' ');
        String mechanism = space < 0 ? arg : arg.substring(0, space);
        String initial = space < 0 ? null : arg.substring(space + 1).trim();
        if (mechanism.isEmpty()) {
            c.write(SmtpReplies.SYNTAX_ERROR);
            return;
        }
        SaslExchange exchange = SaslExchange.forMechanism(mechanism);
        if (exchange == null) {
            c.write(SmtpReplies.UNKNOWN_AUTH_MECHANISM);
            return;
        }
        step(c, exchange, exchange.start(initial));
    }

    static void response(SmtpConnection c, String line) {
        SmtpSession session = c.session();
        SaslExchange exchange = session.auth;
        if (exchange == null) {
            c.write(SmtpReplies.UNKNOWN_COMMAND);
            return;
        }
        step(c, exchange, exchange.next(line));
    }

    private static void step(SmtpConnection c, SaslExchange exchange, SaslExchange.Step step) {
        SmtpSession session = c.session();
        if (step.isChallenge()) {
            session.auth = exchange;
            c.expectAuthResponse();
            c.write(step.reply());
            return;
        }
        session.auth = null;
        if (!step.isCredentials()) {
            c.write(step.reply());
            return;
        }
        byte[] password = step.password();
        if (session.ip != null && c.server().authFailures.isBlocked(session.ip, step.user())) {
            // this user name from this address is blocked: no verdict on the password at all
            Arrays.fill(password, (byte) 0);
            log.info("{} authentication refused for user {} from {}: too many failures (smtp.maxAuthFailures)",
                    session.id, ClientText.log(step.user()), session.ipText);
            c.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        boolean ok = !step.otherIdentity() && c.server().credentials.verify(step.user(), password);
        Arrays.fill(password, (byte) 0);
        if (ok) {
            session.authUser = step.user();
            log.info("{} authenticated as {} from {}", session.id, ClientText.log(step.user()),
                    session.ipText);
            c.write(SmtpReplies.AUTH_OK);
            return;
        }
        c.server().metrics.authFailures.inc();
        boolean blocked = session.ip != null && c.server().authFailures.recordFailure(session.ip, step.user());
        log.info("{} authentication failed for user {} from {}{}", session.id,
                ClientText.log(step.user()), session.ipText, blocked ? ", too many failures: closing" : "");
        if (blocked) {
            c.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        // Slow down guessing without holding the thread: the 535 is scheduled on the loop.
        c.pauseReading();
        c.loop().schedule(() -> {
            c.write(SmtpReplies.AUTH_FAILED);
            c.resumeReading();
        }, c.server().authFailureDelayMs, TimeUnit.MILLISECONDS);
    }
}
