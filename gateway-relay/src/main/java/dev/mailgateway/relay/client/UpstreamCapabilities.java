package dev.mailgateway.relay.client;

import io.netty.handler.codec.smtp.SmtpResponse;
import java.util.List;
import java.util.Locale;

/**
 * What an upstream offered in its EHLO reply (RFC 5321 4.1.1.1): the extensions the client uses.
 *
 * @param esmtp      false when only HELO worked (no extensions at all)
 * @param maxSize    the SIZE limit (RFC 1870), 0 when not declared or unlimited
 * @param dsn        DSN (RFC 3461) offered: NOTIFY/ORCPT/RET/ENVID may be passed on
 */
public record UpstreamCapabilities(
        boolean esmtp, boolean pipelining, boolean startTls, boolean eightBitMime,
        boolean smtpUtf8, boolean size, long maxSize, boolean authPlain, boolean authLogin, boolean dsn) {

    /** Without DSN. */
    public UpstreamCapabilities(boolean esmtp, boolean pipelining, boolean startTls, boolean eightBitMime,
            boolean smtpUtf8, boolean size, long maxSize, boolean authPlain, boolean authLogin) {
        this(esmtp, pipelining, startTls, eightBitMime, smtpUtf8, size, maxSize, authPlain, authLogin, false);
    }

    /** After HELO: nothing. */
    public static final UpstreamCapabilities NONE =
            new UpstreamCapabilities(false, false, false, false, false, false, 0, false, false);

    /** Parses an EHLO 250 reply; the first line is the server's name, each further line a keyword. */
    public static UpstreamCapabilities parse(SmtpResponse ehlo) {
        boolean pipelining = false;
        boolean startTls = false;
        boolean eightBit = false;
        boolean utf8 = false;
        boolean size = false;
        long maxSize = 0;
        boolean plain = false;
        boolean login = false;
        boolean dsn = false;
        List<CharSequence> lines = ehlo.details();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).toString().trim().toUpperCase(Locale.ROOT);
            String[] words = line.split("[ =]+");
            switch (words[0]) {
                case "PIPELINING" -> pipelining = true;
                case "STARTTLS" -> startTls = true;
                case "8BITMIME" -> eightBit = true;
                case "SMTPUTF8" -> utf8 = true;
                case "DSN" -> dsn = true;
                case "SIZE" -> {
                    size = true;
                    if (words.length > 1) {
                        try {
                            maxSize = Long.parseLong(words[1]);
                        } catch (NumberFormatException e) {
                            maxSize = 0;
                        }
                    }
                }
                case "AUTH" -> {
                    for (int w = 1; w < words.length; w++) {
                        plain |= words[w].equals("PLAIN");
                        login |= words[w].equals("LOGIN");
                    }
                }
                default -> {
                    // other extensions are not used by the relay
                }
            }
        }
        return new UpstreamCapabilities(true, pipelining, startTls, eightBit, utf8, size, maxSize,
                plain, login, dsn);
    }
}
