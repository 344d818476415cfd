package dev.mailgateway.smtp.server;

import java.util.Locale;

/**
 * The ESMTP parameters of MAIL FROM: {@code SIZE=} (RFC 1870), {@code BODY=7BIT|8BITMIME}
 * (RFC 6152), {@code SMTPUTF8} (RFC 6531), {@code AUTH=} (RFC 4954 section 5, accepted and
 * ignored), {@code RET=FULL|HDRS} and {@code ENVID=xtext} (RFC 3461 sections 4.3, 4.4, kept for
 * the relay; "" when absent). {@code unknown} names an unrecognised parameter (555);
 * {@code problem} describes a malformed value (501).
 */
record MailParameters(long size, boolean eightBit, boolean smtpUtf8, String unknown, String problem,
        String ret, String envId) {

    MailParameters(long size, boolean eightBit, boolean smtpUtf8, String unknown, String problem) {
        this(size, eightBit, smtpUtf8, unknown, problem, "", "");
    }

    static MailParameters parse(String text) {
        long size = 0;
        boolean eightBit = false;
        boolean utf8 = false;
        String ret = "";
        String envId = "";
        int i = 0;
        int n = text.length();
        while (i < n) {
            if (text.charAt(i) == ' ') {
                i++;
                continue;
            }
            int space = text.indexOf(' ', i);
            String token = text.substring(i, space < 0 ? n : space);
            i = space < 0 ? n : space;
            int eq = token.indexOf('=');
            String name = (eq < 0 ? token : token.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : token.substring(eq + 1);
            switch (name) {
                case "SIZE" -> {
                    if (!isNumber(value)) {
                        return new MailParameters(0, false, false, null, "SIZE needs a number of octets");
                    }
                    size = Long.parseLong(value);
                }
                case "BODY" -> {
                    if ("8BITMIME".equalsIgnoreCase(value)) {
                        eightBit = true;
                    } else if (!"7BIT".equalsIgnoreCase(value)) {
                        return new MailParameters(0, false, false, null, "BODY must be 7BIT or 8BITMIME");
                    }
                }
                case "SMTPUTF8" -> {
                    if (value != null) {
                        return new MailParameters(0, false, false, null, "SMTPUTF8 takes no value");
                    }
                    utf8 = true;
                }
                case "AUTH" -> {
                    if (value == null || value.isEmpty()) {
                        return new MailParameters(0, false, false, null, "AUTH needs a value");
                    }
                }
                case "RET" -> { // RFC 3461 4.3
                    if (!ret.isEmpty()) {
                        return new MailParameters(0, false, false, null, "RET given twice");
                    }
                    if (!"FULL".equalsIgnoreCase(value) && !"HDRS".equalsIgnoreCase(value)) {
                        return new MailParameters(0, false, false, null, "RET must be FULL or HDRS");
                    }
                    ret = value.toUpperCase(Locale.ROOT);
                }
                case "ENVID" -> { // RFC 3461 4.4
                    if (!envId.isEmpty()) {
                        return new MailParameters(0, false, false, null, "ENVID given twice");
                    }
                    if (value == null || value.isEmpty() || value.length() > 100 || !DsnSyntax.isXtext(value)) {
                        return new MailParameters(0, false, false, null, "ENVID must be 1-100 characters of xtext");
                    }
                    envId = value;
                }
                default -> {
                    return new MailParameters(0, false, false, name, null);
                }
            }
        }
        return new MailParameters(size, eightBit, utf8, null, null, ret, envId);
    }

    private static boolean isNumber(String v) {
        if (v == null || v.isEmpty() || v.length() > 18) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
