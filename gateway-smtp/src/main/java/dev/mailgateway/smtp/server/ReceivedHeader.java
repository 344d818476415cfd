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

    /** The last formatted second: formatting a date costs more than the rest of the header. */
    private record CachedDate(long epochSecond, String zone, String text) {
    }

    private static volatile CachedDate cached = new CachedDate(Long.MIN_VALUE, "", "");

    private ReceivedHeader() {
    }

    static String date(ZonedDateTime when) {
        CachedDate c = cached;
        long second = when.toEpochSecond();
        String zone = when.getZone().getId();
        if (c.epochSecond() == second && c.zone().equals(zone)) {
            return c.text();
        }
        String text = DATE.format(when);
        cached = new CachedDate(second, zone, text);
        return text;
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
                + "\t" + date(when) + "\r\n";
        return header.getBytes(StandardCharsets.UTF_8);
    }
}
