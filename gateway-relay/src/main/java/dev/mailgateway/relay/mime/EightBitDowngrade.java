package dev.mailgateway.relay.mime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Converts a MIME message with 8-bit parts to 7 bit for an upstream without 8BITMIME (RFC 6152
 * section 3 allows the relay to convert; RFC 2045 section 6.7): every leaf part whose
 * Content-Transfer-Encoding is {@code 8bit} or {@code binary} is re-encoded as
 * quoted-printable and its header says so; a multipart or message/rfc822 entity labelled 8bit
 * is relabelled 7bit and its parts converted in turn. Headers are passed through unchanged
 * except that one field. What cannot be converted without guessing fails with
 * {@link DowngradeException}: an 8-bit byte in a header block (RFC 6532 headers), or in a part
 * that claims 7bit / base64 / quoted-printable or has no Content-Transfer-Encoding, or in a
 * multipart preamble / epilogue.
 *
 * <p>A streaming transformer with bounded state: {@link #feed} takes any chunking of the input
 * (CRLF lines, as the spool holds them) and writes what it can; {@link #finish} ends it. It
 * holds at most one header block ({@link #MAX_HEADER_BLOCK} octets, more fails), one line
 * ({@link #MAX_LINE}; a longer body line is encoded in pieces) and the boundaries of the
 * enclosing multiparts ({@link #MAX_DEPTH} levels). Not thread-safe; one instance per message.
 */
public final class EightBitDowngrade {

    /** Why the message cannot be converted; the relay fails it as before (554 5.6.3). */
    public static final class DowngradeException extends Exception {
        DowngradeException(String message) {
            super(message, null, false, false);
        }
    }

    static final int MAX_HEADER_BLOCK = 64 * 1024;
    static final int MAX_LINE = 8 * 1024;
    static final int MAX_DEPTH = 32;
    private static final int QP_LINE = 76;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private enum State { HEADERS, LEAF, PREAMBLE_OR_EPILOGUE }

    /** How a leaf body is written. */
    private enum Leaf { PASS, QP }

    private State state = State.HEADERS;
    private Leaf leaf = Leaf.PASS;
    private final Deque<String> boundaries = new ArrayDeque<>();
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private boolean lineStart = true;   // the buffered bytes start a line
    private final java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
    private int qpColumn;
    private boolean converted;

    /** True once some part was re-encoded. */
    public boolean converted() {
        return converted;
    }

    /** Converts a whole message (the relay's send path; the spool holds it as one array). */
    public static byte[] convert(byte[] message) throws DowngradeException {
        EightBitDowngrade d = new EightBitDowngrade();
        ByteBuf out = Unpooled.buffer(message.length + message.length / 8 + 64);
        try {
            d.feed(Unpooled.wrappedBuffer(message), out);
            d.finish(out);
            byte[] result = new byte[out.readableBytes()];
            out.readBytes(result);
            return result;
        } finally {
            out.release();
        }
    }

    /** Consumes all readable bytes of {@code in}, appending output to {@code out}. */
    public void feed(ByteBuf in, ByteBuf out) throws DowngradeException {
        while (in.isReadable()) {
            byte b = in.readByte();
            line[lineLength++] = b;
            if (b == '\n' && lineLength >= 2 && line[lineLength - 2] == '\r') {
                completeLine(out, true);
            } else if (lineLength == MAX_LINE) {
                completeLine(out, false);
            }
        }
    }

    /** Ends the message: flushes a last line without CRLF; fails on a truncated header block. */
    public void finish(ByteBuf out) throws DowngradeException {
        if (lineLength > 0) {
            completeLine(out, false);
        }
        if (state == State.HEADERS && header.size() > 0) {
            // a message that is all header (no blank line): pass it on as it is
            byte[] h = header.toByteArray();
            header.reset();
            checkSevenBit(h, 0, h.length, "header");
            out.writeBytes(h);
        }
    }

    private void completeLine(ByteBuf out, boolean crlf) throws DowngradeException {
        int len = lineLength;
        boolean start = lineStart;
        lineLength = 0;
        lineStart = crlf;
        switch (state) {
            case HEADERS -> headerLine(out, len, crlf);
            case LEAF -> {
                if (start && boundary(out, len)) {
                    return;
                }
                if (leaf == Leaf.QP) {
                    qpLine(out, len, crlf);
                } else {
                    checkSevenBit(line, 0, len, "part that is not labelled 8bit");
                    out.writeBytes(line, 0, len);
                }
            }
            case PREAMBLE_OR_EPILOGUE -> {
                if (start && boundary(out, len)) {
                    return;
                }
                checkSevenBit(line, 0, len, "multipart preamble or epilogue");
                out.writeBytes(line, 0, len);
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    // ---- headers ----

    private void headerLine(ByteBuf out, int len, boolean crlf) throws DowngradeException {
        if (crlf && len == 2 && line[0] == '\r') {
            endOfHeaders(out);
            return;
        }
        if (!crlf) {
            throw new DowngradeException("header line longer than " + MAX_LINE + " octets");
        }
        if (header.size() + len > MAX_HEADER_BLOCK) {
            throw new DowngradeException("header block longer than " + MAX_HEADER_BLOCK + " octets");
        }
        checkSevenBit(line, 0, len, "header");
        header.write(line, 0, len);
    }

    private void endOfHeaders(ByteBuf out) throws DowngradeException {
        byte[] block = header.toByteArray();
        header.reset();
        List<String> fields = unfold(new String(block, StandardCharsets.US_ASCII));
        String type = "text/plain";
        String boundary = null;
        String cte = "";
        for (String f : fields) {
            int colon = f.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = f.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = f.substring(colon + 1).trim();
            if (name.equals("content-type")) {
                int semi = value.indexOf(';');
                type = (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
                boundary = parameter(value, "boundary");
            } else if (name.equals("content-transfer-encoding")) {
                int paren = value.indexOf('(');
                cte = (paren < 0 ? value : value.substring(0, paren)).trim().toLowerCase(Locale.ROOT);
            }
        }
        boolean eightBitLabel = cte.equals("8bit") || cte.equals("binary");
        boolean multipart = type.startsWith("multipart/") && boundary != null && !boundary.isEmpty();
        boolean message = type.equals("message/rfc822");
        String newCte = null;
        if (eightBitLabel) {
            newCte = multipart || message ? "7bit" : "quoted-printable";
        }
        writeHeaders(out, block, newCte);
        out.writeByte('\r').writeByte('\n');
        if (multipart) {
            if (boundaries.size() == MAX_DEPTH) {
                throw new DowngradeException("MIME nesting deeper than " + MAX_DEPTH);
            }
            boundaries.push(boundary);
            state = State.PREAMBLE_OR_EPILOGUE;
        } else if (message && (cte.isEmpty() || cte.equals("7bit") || eightBitLabel)) {
            state = State.HEADERS; // the enclosed message's own header block
        } else {
            leaf = eightBitLabel ? Leaf.QP : Leaf.PASS;
            converted |= eightBitLabel;
            qpColumn = 0;
            state = State.LEAF;
        }
    }

    /** Writes the header block, replacing the value of Content-Transfer-Encoding when asked. */
    private static void writeHeaders(ByteBuf out, byte[] block, String newCte) {
        if (newCte == null) {
            out.writeBytes(block);
            return;
        }
        String text = new String(block, StandardCharsets.US_ASCII);
        StringBuilder sb = new StringBuilder(text.length() + 32);
        boolean skipping = false;
        int i = 0;
        while (i < text.length()) {
            int eol = text.indexOf("\r\n", i);
            int end = eol < 0 ? text.length() : eol + 2;
            String l = text.substring(i, end);
            boolean continuation = !l.isEmpty() && (l.charAt(0) == ' ' || l.charAt(0) == '\t');
            if (!continuation) {
                skipping = l.regionMatches(true, 0, "Content-Transfer-Encoding:", 0, 26);
                if (skipping) {
                    sb.append("Content-Transfer-Encoding: ").append(newCte).append("\r\n");
                }
            }
            if (!skipping) {
                sb.append(l);
            }
            i = end;
        }
        out.writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static List<String> unfold(String block) {
        List<String> fields = new ArrayList<>();
        for (String l : block.split("\r\n")) {
            if (!l.isEmpty() && (l.charAt(0) == ' ' || l.charAt(0) == '\t') && !fields.isEmpty()) {
                fields.set(fields.size() - 1, fields.get(fields.size() - 1) + " " + l.trim());
            } else if (!l.isEmpty()) {
                fields.add(l);
            }
        }
        return fields;
    }

    /** RFC 2045 5.1 parameter value (token or quoted-string), or null. */
    static String parameter(String value, String name) {
        String lower = value.toLowerCase(Locale.ROOT);
        int from = 0;
        while (true) {
            int semi = lower.indexOf(';', from);
            if (semi < 0) {
                return null;
            }
            int eq = lower.indexOf('=', semi);
            if (eq < 0) {
                return null;
            }
            if (lower.substring(semi + 1, eq).trim().equals(name)) {
                String v = value.substring(eq + 1).trim();
                if (v.startsWith("\"")) {
                    int close = v.indexOf('"', 1);
                    return close < 0 ? null : v.substring(1, close);
                }
                int end = v.indexOf(';');
                return (end < 0 ? v : v.substring(0, end)).trim();
            }
            from = eq;
        }
    }

    // ---- boundaries (RFC 2046 5.1.1) ----

    /** At a line start: a delimiter of an enclosing multipart? Then write it and switch state. */
    private boolean boundary(ByteBuf out, int len) throws DowngradeException {
        if (len < 2 || line[0] != '-' || line[1] != '-' || boundaries.isEmpty()) {
            return false;
        }
        String text = new String(line, 0, len, StandardCharsets.ISO_8859_1).stripTrailing();
        int depth = 0;
        for (String b : boundaries) {
            boolean close = text.equals("--" + b + "--");
            if (close || text.equals("--" + b)) {
                if (state == State.LEAF && leaf == Leaf.QP) {
                    endQp(out);
                }
                for (int i = 0; i < depth; i++) {
                    boundaries.pop(); // inner multiparts that were never closed
                }
                checkSevenBit(line, 0, len, "boundary");
                out.writeBytes(line, 0, len);
                if (close) {
                    boundaries.pop();
                    // the epilogue of b belongs to the enclosing multipart's part, which is b's
                    // entity: after it, only the enclosing boundary (or the end) follows
                    state = State.PREAMBLE_OR_EPILOGUE;
                } else {
                    state = State.HEADERS;
                }
                return true;
            }
            depth++;
        }
        return false;
    }

    // ---- quoted-printable (RFC 2045 6.7) ----

    private void qpLine(ByteBuf out, int len, boolean crlf) {
        int end = crlf ? len - 2 : len;
        for (int i = 0; i < end; i++) {
            int b = line[i] & 0xFF;
            boolean last = crlf && i == end - 1;
            boolean literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !last && (crlf || i < end - 1));
            int width = literal ? 1 : 3;
            if (qpColumn + width > QP_LINE - 1) {
                out.writeByte('=').writeByte('\r').writeByte('\n'); // soft line break (rule 5)
                qpColumn = 0;
            }
            if (literal) {
                out.writeByte(b);
            } else {
                out.writeByte('=').writeByte(HEX[b >> 4]).writeByte(HEX[b & 15]);
            }
            qpColumn += width;
        }
        if (crlf) {
            out.writeByte('\r').writeByte('\n');
            qpColumn = 0;
        }
    }

    /** A body that ended without CRLF before a boundary cannot happen (the CRLF belongs to the delimiter). */
    private void endQp(ByteBuf out) {
        qpColumn = 0;
    }

    private static void checkSevenBit(byte[] bytes, int from, int to, String where) throws DowngradeException {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0) {
                throw new DowngradeException("8-bit octet in a " + where + "; cannot convert to 7 bit");
            }
        }
    }
}
