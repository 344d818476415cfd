package dev.mailgateway.smtp.codec;

/**
 * A complete message received in DATA: the prefix given to
 * {@link SmtpServerDecoder#startData} followed by the body, CRLF line endings, dot-unstuffed,
 * terminator removed. Ownership of the array passes to whoever receives this frame.
 *
 * @param content    prefix + body, exact length
 * @param bodyLength octets of the body alone (what limits.maxMessageSizeBytes counts)
 */
public record SmtpMessageBody(byte[] content, int bodyLength) implements SmtpFrame {

    @Override
    public String toString() {
        return "SmtpMessageBody[" + content.length + " octets]";
    }
}
