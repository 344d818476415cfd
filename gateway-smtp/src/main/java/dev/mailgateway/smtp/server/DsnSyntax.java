package dev.mailgateway.smtp.server;

import java.util.Locale;

/**
 * RFC 3461 syntax: xtext (section 4), NOTIFY (4.1) and ORCPT (4.2) of RCPT TO, the parameters
 * the gateway accepts, keeps in the spool and passes upstream. Values are kept as the client
 * sent them (NOTIFY upper-cased); they only ever leave as parameters of our own MAIL/RCPT.
 */
final class DsnSyntax {

    /** The RCPT TO parameters: NOTIFY and ORCPT ("" when absent), or a problem / unknown name. */
    record RcptParameters(String notifyValue, String orcpt, String unknown, String problem) {

        static RcptParameters failed(String problem) {
            return new RcptParameters("", "", null, problem);
        }
    }

    private DsnSyntax() {
    }

    /** xtext = *( xchar / hexchar ); xchar = "!".."~" except "+" and "="; hexchar = "+" 2 upper-case hex digits. */
    static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isUpperHex(s.charAt(i + 1)) || !isUpperHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isUpperHex(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'F';
    }

    /** Parses the text after the RCPT TO path. */
    static RcptParameters parseRcpt(String text) {
        String notify = "";
        String orcpt = "";
        for (String token : text.trim().split(" +")) {
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            String name = (eq < 0 ? token : token.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : token.substring(eq + 1);
            switch (name) {
                case "NOTIFY" -> {
                    if (!notify.isEmpty()) {
                        return RcptParameters.failed("NOTIFY given twice");
                    }
                    String problem = checkNotify(value);
                    if (problem != null) {
                        return RcptParameters.failed(problem);
                    }
                    notify = value.toUpperCase(Locale.ROOT);
                }
                case "ORCPT" -> {
                    if (!orcpt.isEmpty()) {
                        return RcptParameters.failed("ORCPT given twice");
                    }
                    String problem = checkOrcpt(value);
                    if (problem != null) {
                        return RcptParameters.failed(problem);
                    }
                    orcpt = value;
                }
                default -> {
                    return new RcptParameters("", "", name, null);
                }
            }
        }
        return new RcptParameters(notify, orcpt, null, null);
    }

    /** NOTIFY = "NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ) (RFC 3461 4.1). */
    static String checkNotify(String value) {
        if (value == null || value.isEmpty()) {
            return "NOTIFY needs NEVER or a list of SUCCESS, FAILURE, DELAY";
        }
        String[] parts = value.toUpperCase(Locale.ROOT).split(",", -1);
        boolean never = false;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String p : parts) {
            if (!p.equals("NEVER") && !p.equals("SUCCESS") && !p.equals("FAILURE") && !p.equals("DELAY")) {
                return "NOTIFY needs NEVER or a list of SUCCESS, FAILURE, DELAY";
            }
            if (!seen.add(p)) {
                return "NOTIFY lists a keyword twice";
            }
            never |= p.equals("NEVER");
        }
        return never && parts.length > 1 ? "NOTIFY=NEVER cannot be combined with other keywords" : null;
    }

    /** ORCPT = addr-type ";" xtext, addr-type an atom, at most 500 characters (RFC 3461 4.2). */
    static String checkOrcpt(String value) {
        if (value == null || value.length() > 500) {
            return "ORCPT needs addr-type;xtext of at most 500 characters";
        }
        int semi = value.indexOf(';');
        if (semi <= 0 || semi == value.length() - 1) {
            return "ORCPT needs addr-type;xtext, e.g. rfc822;user@example.com";
        }
        for (int i = 0; i < semi; i++) {
            if (!SmtpPathParser.isAtext(value.charAt(i))) {
                return "ORCPT address type must be an atom";
            }
        }
        return isXtext(value.substring(semi + 1)) ? null : "ORCPT address must be xtext";
    }
}
