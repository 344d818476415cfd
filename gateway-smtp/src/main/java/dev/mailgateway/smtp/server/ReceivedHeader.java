package dev.mailgateway.smtp.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Builds the trace header prepended to every accepted message (RFC 5321 4.4, RFC 5322 3.6.7). */
final class ReceivedHeader {

    /** RFC 5322 3.3 date-time with a numeric zone. */
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx",
            Locale.ROOT);

    private ReceivedHeader() {
    }

    /**
     * {@code Received: from <helo> ([<ip>]) by <host> with <protocol> id <id>; <date>}, folded
     * onto continuation lines so no line grows past 78 characters for usual names.
     */
    static byte[] build(String helo, InetAddress ip, String host, String protocol, String id,
            ZonedDateTime when) {
        String literal = ip == null ? "unknown"
                : ip instanceof Inet6Address ? "IPv6:" + ip.getHostAddress() : ip.getHostAddress();
        String header = "Received: from " + helo + " ([" + literal + "])\r\n"
                + "\tby " + host + " with " + protocol + " id " + id + ";\r\n"
                + "\t" + DATE.format(when) + "\r\n";
        return header.getBytes(StandardCharsets.UTF_8);
    }
}
