package dev.mailgateway.smtp.codec;

import dev.mailgateway.core.text.ClientText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply, encoded once into a direct buffer that is never released; {@link #content()}
 * hands out a duplicate per write, so a constant reply costs no allocation or copy per use.
 * One-off replies (with a queue id or a client-specific detail) go through {@link #encode}.
 *
 * <p>Last line of defence against reply injection: every text is passed through
 * {@link ClientText#escapeControls} before it is encoded, so a CR, LF, NUL or non-ASCII character
 * that slipped past the callers' escaping becomes {@code \xNN} and can never end a reply line
 * early; a line is cut to {@link #MAX_TEXT} characters (RFC 5321 4.5.3.1.5: 512 octets with CRLF).
 * Callers escape client text with {@link ClientText#reply} themselves (that also escapes the
 * backslash and bounds the echo).
 */
public final class SmtpReply {

    /** Characters of text after the code and enhanced code (the whole line stays under 512 octets). */
    public static final int MAX_TEXT = 480;

    private final int code;
    private final String text;
    private final ByteBuf encoded;

    private SmtpReply(int code, String text, byte[] bytes) {
        this.code = code;
        this.text = text;
        // Wrapping a direct NIO buffer (not allocating through an allocator) keeps these
        // process-lifetime buffers out of the leak detector; they are never released.
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        this.encoded = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct)).asReadOnly();
    }

    /** A single-line reply: {@code <code> <enhanced> <text>CRLF} (RFC 3463 enhanced code). */
    public static SmtpReply of(int code, String enhanced, String text) {
        String line = code + " " + safe(enhanced) + " " + safe(text);
        return new SmtpReply(code, line, (line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** A reply without an enhanced code (the greeting, RFC 2034 section 3: 220 has none). */
    public static SmtpReply plain(int code, String text) {
        String line = code + " " + safe(text);
        return new SmtpReply(code, line, (line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** A multi-line reply (RFC 5321 4.2.1): {@code 250-first ... 250 last}. */
    public static SmtpReply multiline(int code, List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(safe(lines.get(i))).append("\r\n");
        }
        String all = sb.toString();
        return new SmtpReply(code, all.trim(), all.getBytes(StandardCharsets.US_ASCII));
    }

    /** A one-off single-line reply in a new buffer owned by the caller. */
    public static ByteBuf encode(ByteBufAllocator alloc, int code, String enhanced, String text) {
        String line = code + " " + safe(enhanced) + " " + safe(text) + "\r\n";
        ByteBuf buf = alloc.buffer(line.length());
        ByteBufUtil.writeAscii(buf, line);
        return buf;
    }

    /** Printable ASCII only, bounded: no CR/LF/NUL/non-ASCII ever reaches the wire. */
    private static String safe(String text) {
        return ClientText.escapeControls(text, MAX_TEXT);
    }

    public int code() {
        return code;
    }

    /** The reply text without the trailing CRLF (lines joined by CRLF for multi-line replies). */
    public String text() {
        return text;
    }

    /** A read-only duplicate to write; releasing it is harmless. */
    public ByteBuf content() {
        return encoded.duplicate();
    }

    @Override
    public String toString() {
        return text;
    }
}
