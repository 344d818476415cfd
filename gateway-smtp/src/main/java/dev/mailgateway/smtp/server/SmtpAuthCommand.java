package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.ClientText;
import dev.mailgateway.smtp.auth.SaslExchange;
import dev.mailgateway.smtp.codec.SmtpReplies;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AUTH command (RFC 4954) for one {@link SmtpServerHandler}: preconditions, the SASL
 * exchange, credential check, failure counting and the delayed {@code 535}. Runs on the
 * channel's event loop. Never logs a response line or a password; the user name is logged.
 */
final class SmtpAuthCommand {

    private static final Logger log = LoggerFactory.getLogger(SmtpAuthCommand.class);

    private SmtpAuthCommand() {
    }

    static void auth(SmtpServerHandler h, String arg) {
        if (!h.server.credentials.configured()) {
            h.write(SmtpReplies.AUTH_NOT_AVAILABLE);
            return;
        }
        if (h.session.helo == null || !h.session.extended) {
            h.write(SmtpReplies.NEED_HELO_FIRST);
            return;
        }
        if (h.session.authUser != null) {
            h.write(SmtpReplies.ALREADY_AUTHENTICATED);
            return;
        }
        if (h.session.transaction != null) {
            h.write(SmtpReplies.AUTH_IN_TRANSACTION);
            return;
        }
        if (!h.session.tls && !h.session.loopback) {
            h.write(SmtpReplies.ENCRYPTION_REQUIRED);
            return;
        }
        if (h.session.ip != null && h.server.authFailures.isBlocked(h.session.ip)) {
            h.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        int space = arg.indexOf(' ');
        String mechanism = space < 0 ? arg : arg.substring(0, space);
        String initial = space < 0 ? null : arg.substring(space + 1).trim();
        if (mechanism.isEmpty()) {
            h.write(SmtpReplies.SYNTAX_ERROR);
            return;
        }
        SaslExchange exchange = SaslExchange.forMechanism(mechanism);
        if (exchange == null) {
            h.write(SmtpReplies.UNKNOWN_AUTH_MECHANISM);
            return;
        }
        step(h, exchange, exchange.start(initial));
    }

    static void response(SmtpServerHandler h, String line) {
        SaslExchange exchange = h.session.auth;
        if (exchange == null) {
            h.write(SmtpReplies.UNKNOWN_COMMAND);
            return;
        }
        step(h, exchange, exchange.next(line));
    }

    private static void step(SmtpServerHandler h, SaslExchange exchange, SaslExchange.Step step) {
        if (step.isChallenge()) {
            h.session.auth = exchange;
            h.decoder.expectAuthResponse();
            h.write(step.reply());
            return;
        }
        h.session.auth = null;
        if (!step.isCredentials()) {
            h.write(step.reply());
            return;
        }
        byte[] password = step.password();
        if (h.session.ip != null && h.server.authFailures.isBlocked(h.session.ip, step.user())) {
            // this user name from this address is blocked: no verdict on the password at all
            Arrays.fill(password, (byte) 0);
            log.info("{} authentication refused for user {} from {}: too many failures (smtp.maxAuthFailures)",
                    h.session.id, ClientText.log(step.user()), h.session.ipText);
            h.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        boolean ok = !step.otherIdentity() && h.server.credentials.verify(step.user(), password);
        Arrays.fill(password, (byte) 0);
        if (ok) {
            h.session.authUser = step.user();
            log.info("{} authenticated as {} from {}", h.session.id, ClientText.log(step.user()),
                    h.session.ipText);
            h.write(SmtpReplies.AUTH_OK);
            return;
        }
        h.server.metrics.authFailures.inc();
        boolean blocked = h.session.ip != null && h.server.authFailures.recordFailure(h.session.ip, step.user());
        log.info("{} authentication failed for user {} from {}{}", h.session.id,
                ClientText.log(step.user()), h.session.ipText, blocked ? ", too many failures: closing" : "");
        if (blocked) {
            h.closeWith(SmtpReplies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        // Slow down guessing without holding the thread: the 535 is scheduled on the loop.
        h.pauseReading();
        h.ctx.executor().schedule(() -> {
            h.write(SmtpReplies.AUTH_FAILED);
            h.resumeReading();
        }, h.server.authFailureDelayMs, TimeUnit.MILLISECONDS);
    }
}
