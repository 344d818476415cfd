package dev.mailgateway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A prebuilt message of an exact size (headers and body, CRLF lines, no line starting with a
 * dot so no stuffing is needed) followed by the end-of-data line {@code .CRLF}. One read-only
 * direct buffer is shared by every connection; each send writes a retained duplicate.
 */
final class MessageTemplate {

    static final String FROM = "load@example.com";

    private static final int LINE = 76;

    private MessageTemplate() {
    }

    /** The message of {@code size} bytes (before the terminator) plus {@code .\r\n}. */
    static ByteBuf build(int size) {
        StringBuilder sb = new StringBuilder(size + 8);
        sb.append("From: <").append(FROM).append(">\r\n")
          .append("To: <rcpt0@example.com>\r\n")
          .append("Subject: load test\r\n")
          .append("Message-ID: <load@bench.example.com>\r\n")
          .append("\r\n");
        int n = 0;
        while (sb.length() < size) {
            int room = size - sb.length();
            if (room <= 2) {
                sb.append("\r\n", 0, room); // pad
                break;
            }
            int len = Math.min(LINE, room - 2);
            char ch = (char) ('a' + (n++ % 26));
            for (int i = 0; i < len; i++) {
                sb.append(ch);
            }
            sb.append("\r\n");
        }
        if (!sb.toString().endsWith("\r\n")) {
            // size forced a cut inside a CRLF pair: end the last line properly (at most +1 byte)
            sb.setLength(sb.length() - 1);
            sb.append("\r\n");
        }
        sb.append(".\r\n");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuf buf = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        return Unpooled.unreleasableBuffer(buf.asReadOnly());
    }

    static String recipient(int i) {
        return "rcpt" + i + "@example.com";
    }
}
