package dev.mailgateway.core.text;

import java.util.Locale;

/**
 * The one way a mail address reaches a log line (the SMTP session's and the relay's, so one
 * message's lines agree). {@code security.logAllEmails} true: the address as sent, escaped;
 * false: {@code j***@example.com} (first character of the local part, the domain lower-cased).
 * The null reverse-path is {@code <>} either way. Escaped with {@link ClientText#log}.
 */
public final class LogAddress {

    private LogAddress() {
    }

    /** {@code j***@example.com}, {@code <>} for the null path. */
    public static String of(String address, boolean logAll) {
        return address.isEmpty() ? "<>" : masked(address, logAll);
    }

    /** In angle brackets, Postfix style: {@code <j***@example.com>}, {@code <>} for the null path. */
    public static String bracketed(String address, boolean logAll) {
        return address.isEmpty() ? "<>" : "<" + masked(address, logAll) + ">";
    }

    private static String masked(String address, boolean logAll) {
        if (logAll) {
            return ClientText.log(address);
        }
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at).toLowerCase(Locale.ROOT);
        return ClientText.log((local.isEmpty() ? "" : local.substring(0, 1)) + "***" + domain);
    }
}
