package dev.mailgateway.smtp.codec;

import io.netty.buffer.ByteBuf;

/**
 * A full piece of a message being received in DATA (the prefix first, then body bytes,
 * CRLF line endings, dot-unstuffed), emitted each time the decoder's buffer fills so the
 * message streams to the spool instead of accumulating. More chunks or an
 * {@link SmtpMessageBody} (the last piece) follow. Ownership of the buffer passes to whoever
 * receives this frame: release it or hand it on.
 */
public record SmtpDataChunk(ByteBuf content) implements SmtpFrame {

    @Override
    public String toString() {
        return "SmtpDataChunk[" + content.readableBytes() + " octets]";
    }
}
