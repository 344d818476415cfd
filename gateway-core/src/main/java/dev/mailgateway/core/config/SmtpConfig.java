package dev.mailgateway.core.config;

import java.util.List;

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
 *   <li>{@code proxyProtocol}: every connection must start with a PROXY protocol v1/v2 header
 *       (HAProxy's) from one of {@code proxyTrustedNetworks}; the header's source address is then
 *       the client address. Other peers are refused.
 * </ul>
 */
public record SmtpConfig(
        String hostname, int maxLineLength, String bareLineFeed, int authFailureDelayMs,
        int maxAuthFailures, int authFailureWindowSec, int shutdownGraceSec,
        boolean requireAngleBrackets, int implicitTlsPort,
        boolean proxyProtocol, List<String> proxyTrustedNetworks) {

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
        proxyTrustedNetworks = proxyTrustedNetworks == null ? List.of() : List.copyOf(proxyTrustedNetworks);
        for (String n : proxyTrustedNetworks) {
            Cidr.parse("smtp.proxyTrustedNetworks", n);
        }
        if (proxyProtocol && proxyTrustedNetworks.isEmpty()) {
            throw new ConfigException("smtp.proxyProtocol is true but smtp.proxyTrustedNetworks is empty:"
                    + " list the load balancers' addresses (e.g. [\"10.0.0.5/32\"]) or set smtp.proxyProtocol to false");
        }
    }

    /** Without the PROXY protocol keys (off, no trusted networks). */
    public SmtpConfig(String hostname, int maxLineLength, String bareLineFeed, int authFailureDelayMs,
            int maxAuthFailures, int authFailureWindowSec, int shutdownGraceSec,
            boolean requireAngleBrackets, int implicitTlsPort) {
        this(hostname, maxLineLength, bareLineFeed, authFailureDelayMs, maxAuthFailures,
                authFailureWindowSec, shutdownGraceSec, requireAngleBrackets, implicitTlsPort, false, List.of());
    }

    /** Without the #14 keys (angle brackets lenient, no implicit-TLS port) nor the PROXY protocol keys. */
    public SmtpConfig(String hostname, int maxLineLength, String bareLineFeed, int authFailureDelayMs,
            int maxAuthFailures, int authFailureWindowSec, int shutdownGraceSec) {
        this(hostname, maxLineLength, bareLineFeed, authFailureDelayMs, maxAuthFailures,
                authFailureWindowSec, shutdownGraceSec, false, 0);
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final String DEFAULT_HOSTNAME = "";
    public static final int DEFAULT_MAX_LINE_LENGTH = 512;
    public static final String DEFAULT_BARE_LINE_FEED = "normalize";
    public static final int DEFAULT_AUTH_FAILURE_DELAY_MS = 1000;
    public static final int DEFAULT_MAX_AUTH_FAILURES = 5;
    public static final int DEFAULT_AUTH_FAILURE_WINDOW_SEC = 300;
    public static final int DEFAULT_SHUTDOWN_GRACE_SEC = 30;
    public static final boolean DEFAULT_REQUIRE_ANGLE_BRACKETS = false;
    public static final int DEFAULT_IMPLICIT_TLS_PORT = 0;
    public static final boolean DEFAULT_PROXY_PROTOCOL = false;
    public static final List<String> DEFAULT_PROXY_TRUSTED_NETWORKS = List.of();

    public static SmtpConfig defaults() {
        return new SmtpConfig(DEFAULT_HOSTNAME, DEFAULT_MAX_LINE_LENGTH, DEFAULT_BARE_LINE_FEED,
                DEFAULT_AUTH_FAILURE_DELAY_MS, DEFAULT_MAX_AUTH_FAILURES,
                DEFAULT_AUTH_FAILURE_WINDOW_SEC, DEFAULT_SHUTDOWN_GRACE_SEC,
                DEFAULT_REQUIRE_ANGLE_BRACKETS, DEFAULT_IMPLICIT_TLS_PORT, DEFAULT_PROXY_PROTOCOL,
                DEFAULT_PROXY_TRUSTED_NETWORKS);
    }

    public boolean rejectBareLineFeed() {
        return "reject".equals(bareLineFeed);
    }
}
