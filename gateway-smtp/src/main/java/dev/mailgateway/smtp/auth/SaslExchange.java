package dev.mailgateway.smtp.auth;

import dev.mailgateway.smtp.codec.SmtpReplies;
import dev.mailgateway.smtp.codec.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * One AUTH exchange (RFC 4954) for PLAIN (RFC 4616) or LOGIN, free of I/O: the handler feeds
 * it the initial response and each continuation line and acts on the {@link Step}. A line of
 * {@code *} cancels (501). Passwords stay in byte arrays and are never put in a String or a log.
 */
public final class SaslExchange {

    /**
     * What to do next: send a challenge, check credentials, or reply with an error.
     * {@code otherIdentity}: a PLAIN authzid other than the authcid (acting as another identity),
     * which is not supported, so these credentials must fail whatever the password.
     */
    public record Step(SmtpReply reply, String user, byte[] password, boolean otherIdentity) {
        Step(SmtpReply reply, String user, byte[] password) {
            this(reply, user, password, false);
        }

        static Step challenge(SmtpReply r) {
            return new Step(r, null, null);
        }

        static Step error(SmtpReply r) {
            return new Step(r, null, null);
        }

        public boolean isCredentials() {
            return user != null;
        }

        /** True when {@link #reply()} is a 334 challenge (the exchange goes on). */
        public boolean isChallenge() {
            return reply != null && reply.code() == 334;
        }

        @Override
        public String toString() {
            return isCredentials() ? "Step[credentials for " + user + "]" : "Step[" + reply + "]";
        }
    }

    private enum Mechanism { PLAIN, LOGIN }

    private final Mechanism mechanism;
    private String loginUser;

    private SaslExchange(Mechanism mechanism) {
        this.mechanism = mechanism;
    }

    /** Mechanisms offered in EHLO. */
    public static final String MECHANISMS = "PLAIN LOGIN";

    /**
     * Starts an exchange from the AUTH arguments ({@code PLAIN [initial-response]}).
     *
     * @return null when the mechanism is not supported (504)
     */
    public static SaslExchange forMechanism(String name) {
        if ("PLAIN".equalsIgnoreCase(name)) {
            return new SaslExchange(Mechanism.PLAIN);
        }
        if ("LOGIN".equalsIgnoreCase(name)) {
            return new SaslExchange(Mechanism.LOGIN);
        }
        return null;
    }

    /** The first step; {@code initialResponse} is null when the command had none. */
    public Step start(String initialResponse) {
        if (initialResponse == null) {
            return Step.challenge(mechanism == Mechanism.PLAIN
                    ? SmtpReplies.AUTH_CONTINUE_EMPTY : SmtpReplies.AUTH_USERNAME);
        }
        return next(initialResponse);
    }

    /** Feeds one client response (an initial response or a line after 334). */
    public Step next(String line) {
        if ("*".equals(line)) {
            return Step.error(SmtpReplies.AUTH_CANCELLED); // RFC 4954 section 4
        }
        byte[] decoded;
        try {
            // RFC 4954 section 4: "=" is an empty initial response
            decoded = "=".equals(line) ? new byte[0] : Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            return Step.error(SmtpReplies.AUTH_BAD_BASE64);
        }
        if (mechanism == Mechanism.PLAIN) {
            return plain(decoded);
        }
        if (loginUser == null) {
            loginUser = new String(decoded, StandardCharsets.UTF_8);
            return Step.challenge(SmtpReplies.AUTH_PASSWORD);
        }
        return new Step(null, loginUser, decoded);
    }

    /** RFC 4616: [authzid] NUL authcid NUL passwd. */
    private static Step plain(byte[] m) {
        int first = indexOf(m, 0);
        int second = first < 0 ? -1 : indexOf(m, first + 1);
        if (first < 0 || second < 0) {
            return Step.error(SmtpReplies.AUTH_BAD_BASE64);
        }
        String authzid = new String(m, 0, first, StandardCharsets.UTF_8);
        String authcid = new String(m, first + 1, second - first - 1, StandardCharsets.UTF_8);
        byte[] password = Arrays.copyOfRange(m, second + 1, m.length);
        Arrays.fill(m, (byte) 0);
        if (!authzid.isEmpty() && !authzid.equals(authcid)) {
            // acting as another identity is not supported: treat as bad credentials
            return new Step(null, authcid, password, true);
        }
        return new Step(null, authcid, password);
    }

    private static int indexOf(byte[] m, int from) {
        for (int i = from; i < m.length; i++) {
            if (m[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
