package dev.mailgateway.core.text;

import java.nio.charset.StandardCharsets;

/**
 * The one way client-supplied text reaches an SMTP reply or a log line: printable ASCII
 * (0x20-0x7E) stays as it is; control characters, DEL, non-ASCII and the backslash itself become
 * {@code \xNN} (one per UTF-8 octet, so the escaped form is unambiguous); the result is cut to a
 * bound with {@code ...}. A client can therefore never end a reply line early (CR, LF), hide
 * text behind NUL or terminal escapes, or make a reply or log line as long as it likes.
 * Stateless and thread-safe.
 */
public final class ClientText {

    /** Characters of client text echoed in an SMTP reply (a parameter name, a HELO name). */
    public static final int REPLY_MAX = 64;
    /** Characters of client text in one field of a log line. */
    public static final int LOG_MAX = 256;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final String CUT = "...";

    private ClientText() {
    }

    /** {@link #escape(CharSequence, int)} with {@link #LOG_MAX}; {@code null} becomes "null". */
    public static String log(Object value) {
        return escape(String.valueOf(value), LOG_MAX);
    }

    /** {@link #escape(CharSequence, int)} with {@link #REPLY_MAX}. */
    public static String reply(CharSequence text) {
        return escape(text, REPLY_MAX);
    }

    /** True when {@code s} is printable ASCII without a backslash (escaping would not change it). */
    public static boolean isPlain(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrintable(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Printable-ASCII form of {@code s}, at most {@code max} characters plus {@code "..."} when
     * it was cut (an escape sequence is never split).
     */
    public static String escape(CharSequence s, int max) {
        return escape(s, max, true);
    }

    /**
     * Like {@link #escape(CharSequence, int)} but a backslash stays as it is: for text that may
     * already hold escapes (the last line of defence in reply encoding), so they are not doubled.
     */
    public static String escapeControls(CharSequence s, int max) {
        return escape(s, max, false);
    }

    private static String escape(CharSequence s, int max, boolean backslash) {
        if (s.length() <= max && (backslash ? isPlain(s) : isPrintable(s))) {
            return s.toString();
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        int i = 0;
        while (i < s.length()) {
            int cp = Character.codePointAt(s, i);
            int width = Character.charCount(cp);
            if (cp >= 0x20 && cp <= 0x7e && (cp != '\\' || !backslash)) {
                if (sb.length() + 1 > max) {
                    return sb.append(CUT).toString();
                }
                sb.append((char) cp);
            } else {
                byte[] octets = cp < 0x80 ? new byte[] {(byte) cp}
                        : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                if (sb.length() + 4 * octets.length > max) {
                    return sb.append(CUT).toString();
                }
                for (byte b : octets) {
                    sb.append('\\').append('x').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
            }
            i += width;
        }
        return sb.toString();
    }
}
