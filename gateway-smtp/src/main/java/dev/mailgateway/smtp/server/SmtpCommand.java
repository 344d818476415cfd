package dev.mailgateway.smtp.server;

/** The command verbs the server knows (RFC 5321 4.1.1, 3207, 4954); anything else is UNKNOWN. */
enum SmtpCommand {
    EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH, UNKNOWN;

    private static final SmtpCommand[] KNOWN = {
        MAIL, RCPT, DATA, EHLO, HELO, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH
    };

    /** The verb of {@code line}: case-insensitive, followed by a space or the end of the line. */
    static SmtpCommand of(String line) {
        for (SmtpCommand c : KNOWN) {
            String v = c.name();
            if (line.regionMatches(true, 0, v, 0, v.length())
                    && (line.length() == v.length() || line.charAt(v.length()) == ' ')) {
                return c;
            }
        }
        return UNKNOWN;
    }

    /** The text after the verb and its space, trimmed; "" when there is none. */
    String argument(String line) {
        return line.length() <= name().length() ? "" : line.substring(name().length() + 1).trim();
    }
}
