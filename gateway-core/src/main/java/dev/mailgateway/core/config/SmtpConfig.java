package dev.mailgateway.core.config;

/**
 * Inbound SMTP protocol settings.
 *
 * <ul>
 *   <li>{@code hostname}: the name in the greeting and Received headers; empty = this host's name.
 *   <li>{@code maxLineLength}: command line limit in octets including CRLF (RFC 5321 4.5.3.1.4).
 *   <li>{@code bareLineFeed}: "normalize" (bare LF in DATA becomes CRLF) or "reject" (550 5.6.0).
 *   <li>{@code authFailureDelayMs}: pause before a 535 reply.
 *   <li>{@code maxAuthFailures} within {@code authFailureWindowSec} from one IP: 421 and close.
 *   <li>{@code shutdownGraceSec}: how long in-flight transactions may finish on SIGTERM.
 *   <li>{@code requireAngleBrackets}: true = MAIL FROM / RCPT TO paths need {@code <...>} (RFC 5321
 *       strict); false (default, like Postfix) = {@code MAIL FROM:a@b} is accepted too.
 *   <li>{@code implicitTlsPort}: a second listener speaking TLS from the first byte (RFC 8314); 0 = off.
 * </ul>
 */
public record SmtpConfig(
        String hostname, int maxLineLength, String bareLineFeed, int authFailureDelayMs,
        int maxAuthFailures, int authFailureWindowSec, int shutdownGraceSec,
        boolean requireAngleBrackets, int implicitTlsPort) {

    public SmtpConfig {
        hostname = Check.orEmpty(hostname);
        if (maxLineLength < 512 || maxLineLength > 65536) {
            throw new ConfigException("smtp.maxLineLength must be between 512 and 65536, got "
                    + maxLineLength);
        }
        if (!"normalize".equals(bareLineFeed) && !"reject".equals(bareLineFeed)) {
            throw new ConfigException("smtp.bareLineFeed must be \"normalize\" or \"reject\", got "
                    + (bareLineFeed == null ? "null" : "\"" + bareLineFeed + "\""));
        }
        Check.nonNegative("smtp.authFailureDelayMs", authFailureDelayMs);
        Check.positive("smtp.maxAuthFailures", maxAuthFailures);
        Check.positive("smtp.authFailureWindowSec", authFailureWindowSec);
        Check.nonNegative("smtp.shutdownGraceSec", shutdownGraceSec);
        if (implicitTlsPort < 0 || implicitTlsPort > 65535) {
            throw new ConfigException("smtp.implicitTlsPort must be a port number 1-65535 (0 = off), got "
                    + implicitTlsPort);
        }
    }

    public static SmtpConfig defaults() {
        return new SmtpConfig("", 512, "normalize", 1000, 5, 300, 30, false, 0);
    }

    public boolean rejectBareLineFeed() {
        return "reject".equals(bareLineFeed);
    }
}
