package dev.mailgateway.smtp.server;

/**
 * Parses the path argument of MAIL FROM / RCPT TO (RFC 5321 4.1.2): {@code <local@domain>},
 * angle brackets required, {@code <>} as the null reverse-path, quoted local parts, address
 * literals ({@code [192.0.2.1]}, {@code [IPv6:...]}), an ignored source route
 * ({@code <@a,@b:user@c>}, RFC 5321 4.1.1.3 / appendix C), and with SMTPUTF8 (RFC 6531 3.3)
 * UTF-8 in the local part and domain. A problem comes back as a short text the reply quotes.
 */
final class SmtpPathParser {

    /**
     * The outcome: either {@code address} (without brackets; "" for {@code <>}) and the index
     * where the parameters start, or a {@code problem}.
     */
    record Result(String address, int end, String problem) {
        boolean ok() {
            return problem == null;
        }
    }

    static final int MAX_LOCAL_PART = 64;   // RFC 5321 4.5.3.1.1
    static final int MAX_DOMAIN = 255;      // RFC 5321 4.5.3.1.2
    static final int MAX_PATH = 256;        // RFC 5321 4.5.3.1.3

    private SmtpPathParser() {
    }

    private static Result fail(String problem) {
        return new Result(null, -1, problem);
    }

    /**
     * @param s          the text after "FROM:" / "TO:"
     * @param reversePath true for MAIL FROM ({@code <>} allowed), false for RCPT TO
     *                    ({@code <postmaster>} allowed)
     * @param utf8        SMTPUTF8 was given: non-ASCII allowed
     */
    static Result parse(String s, boolean reversePath, boolean utf8) {
        return parse(s, reversePath, utf8, true);
    }

    /**
     * As {@link #parse(String, boolean, boolean)}; with {@code requireBrackets} false a path
     * without angle brackets ({@code MAIL FROM:a@b}, accepted by Postfix unless
     * {@code strict_rfc821_envelopes}) is read up to the next space and validated the same way.
     */
    static Result parse(String s, boolean reversePath, boolean utf8, boolean requireBrackets) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        if (requireBrackets || i >= s.length() || s.charAt(i) == '<') {
            return parseBracketed(s, reversePath, utf8);
        }
        int space = s.indexOf(' ', i);
        int j = space < 0 ? s.length() : space;
        String bare = s.substring(i, j);
        if (bare.indexOf('<') >= 0 || bare.indexOf('>') >= 0) {
            return fail("unbalanced angle brackets around the address");
        }
        Result r = parseBracketed("<" + bare + ">", reversePath, utf8);
        return r.ok() ? new Result(r.address(), j, null) : r;
    }

    private static Result parseBracketed(String s, boolean reversePath, boolean utf8) {
        int i = 0;
        int n = s.length();
        while (i < n && s.charAt(i) == ' ') {
            i++; // tolerate "MAIL FROM: <a@b>", as most servers do
        }
        if (i >= n || s.charAt(i) != '<') {
            return fail("angle brackets required around the address");
        }
        int open = i++;
        if (i < n && s.charAt(i) == '>') {
            if (!reversePath) {
                return fail("empty recipient address");
            }
            return end(s, i + 1, "");
        }
        if (i < n && s.charAt(i) == '@') {
            int colon = s.indexOf(':', i);
            int close = s.indexOf('>', i);
            if (colon < 0 || (close >= 0 && colon > close)) {
                return fail("malformed source route");
            }
            i = colon + 1; // RFC 5321 appendix C: the source route is accepted and ignored
        }
        int localStart = i;
        if (i < n && s.charAt(i) == '"') {
            i++;
            boolean closed = false;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= n || s.charAt(i + 1) < 32 || (s.charAt(i + 1) > 126 && !utf8)) {
                        return fail("bad quoted-pair in local part");
                    }
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    closed = true;
                    i++;
                    break;
                }
                if (c > 126) {
                    if (!utf8) {
                        return fail("non-ASCII characters need the SMTPUTF8 parameter");
                    }
                } else if (c < 32 || c == 127) {
                    return fail("control character in local part");
                }
                i++;
            }
            if (!closed) {
                return fail("unterminated quoted local part");
            }
        } else {
            boolean lastDot = true;
            while (i < n && s.charAt(i) != '@' && s.charAt(i) != '>') {
                char c = s.charAt(i);
                if (c == '.') {
                    if (lastDot) {
                        return fail("empty atom in local part (leading or double dot)");
                    }
                    lastDot = true;
                } else if (isAtext(c)) {
                    lastDot = false;
                } else if (c > 127) {
                    if (!utf8) {
                        return fail("non-ASCII characters need the SMTPUTF8 parameter");
                    }
                    lastDot = false;
                } else {
                    return fail("invalid character '" + printable(c) + "' in local part");
                }
                i++;
            }
            if (i == localStart) {
                return fail("missing local part");
            }
            if (lastDot) {
                return fail("local part ends with a dot");
            }
        }
        int localEnd = i;
        if (localEnd - localStart > MAX_LOCAL_PART) {
            return fail("local part longer than 64 octets");
        }
        if (i < n && s.charAt(i) == '>' && !reversePath
                && s.substring(localStart, localEnd).equalsIgnoreCase("postmaster")) {
            return end(s, i + 1, s.substring(localStart, localEnd)); // RFC 5321 4.1.1.3
        }
        if (i >= n || s.charAt(i) != '@') {
            return fail(i >= n ? "missing closing angle bracket" : "missing @domain");
        }
        i++;
        int domainStart = i;
        if (i < n && s.charAt(i) == '[') {
            int close = s.indexOf(']', i);
            if (close < 0) {
                return fail("unterminated address literal");
            }
            String literal = s.substring(i + 1, close);
            String problem = checkAddressLiteral(literal);
            if (problem != null) {
                return fail(problem);
            }
            i = close + 1;
        } else {
            String problem = null;
            int labelStart = i;
            while (i < n && s.charAt(i) != '>' && s.charAt(i) != ' ') {
                char c = s.charAt(i);
                if (c == '.') {
                    problem = checkLabel(s, labelStart, i);
                    if (problem != null) {
                        return fail(problem);
                    }
                    labelStart = i + 1;
                } else if (c > 127) {
                    if (!utf8) {
                        return fail("non-ASCII characters need the SMTPUTF8 parameter");
                    }
                } else if (!isLetDig(c) && c != '-') {
                    return fail("invalid character '" + printable(c) + "' in domain");
                }
                i++;
            }
            if (i == domainStart) {
                return fail("missing domain");
            }
            problem = checkLabel(s, labelStart, i);
            if (problem != null) {
                return fail(problem);
            }
        }
        if (i - domainStart > MAX_DOMAIN) {
            return fail("domain longer than 255 octets");
        }
        if (i >= n || s.charAt(i) != '>') {
            return fail("missing closing angle bracket");
        }
        if (i - open + 1 > MAX_PATH) {
            return fail("path longer than 256 octets");
        }
        return end(s, i + 1, s.substring(localStart, i));
    }

    private static Result end(String s, int after, String address) {
        if (after < s.length() && s.charAt(after) != ' ') {
            return fail("unexpected text after the closing angle bracket");
        }
        return new Result(address, after, null);
    }

    private static String checkLabel(String s, int start, int end) {
        if (start == end) {
            return "empty label in domain";
        }
        if (s.charAt(start) == '-' || s.charAt(end - 1) == '-') {
            return "domain label starts or ends with a hyphen";
        }
        if (end - start > 63) {
            return "domain label longer than 63 octets";
        }
        return null;
    }

    /** RFC 5321 4.1.3: IPv4, "IPv6:" or a general (tag:content) address literal. */
    static String checkAddressLiteral(String literal) {
        if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = literal.substring(5);
            if (v6.isEmpty() || !v6.matches("[0-9A-Fa-f:.]+") || !v6.contains(":")) {
                return "bad IPv6 address literal";
            }
            return null;
        }
        if (literal.matches("[0-9.]+")) {
            String[] parts = literal.split("\\.", -1);
            if (parts.length != 4) {
                return "bad IPv4 address literal";
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return "bad IPv4 address literal";
                }
            }
            return null;
        }
        int colon = literal.indexOf(':');
        if (colon > 0 && literal.substring(0, colon).matches("[A-Za-z0-9-]*[A-Za-z0-9]")
                && literal.length() > colon + 1
                && literal.substring(colon + 1).chars().allMatch(c -> c >= 33 && c <= 126 && c != '['
                        && c != ']' && c != '\\')) {
            return null; // General-address-literal
        }
        return "bad address literal";
    }

    /** RFC 5322 3.2.3 atext. */
    static boolean isAtext(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    private static boolean isLetDig(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static String printable(char c) {
        return c < 32 || c == 127 ? String.format("\\x%02X", (int) c) : String.valueOf(c);
    }
}
