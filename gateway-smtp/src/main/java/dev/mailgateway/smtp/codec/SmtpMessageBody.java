package dev.mailgateway.smtp.codec;

import io.netty.buffer.ByteBuf;

/**
 * The end of a message received in DATA: its last piece (after any {@link SmtpDataChunk}s),
 * CRLF line endings, dot-unstuffed, terminator removed. Ownership of the buffer passes to
 * whoever receives this frame: release it or hand it on.
 *
 * @param content    the last piece; when {@code whole}, the entire message (prefix + body)
 * @param bodyLength octets of the body alone, all pieces (what limits.maxMessageSizeBytes counts)
 * @param whole      true when no chunk came before: {@code content} is the whole message
 */
public record SmtpMessageBody(ByteBuf content, long bodyLength, boolean whole) implements SmtpFrame {

    @Override
    public String toString() {
        return "SmtpMessageBody[" + content.readableBytes() + " octets, body " + bodyLength + "]";
    }
}
