package dev.mailgateway.smtp.codec;

/**
 * A line sent in answer to a {@code 334} challenge (RFC 4954 section 4). It carries
 * credentials, so {@link #toString()} never shows it.
 */
public record SmtpAuthResponse(String line) implements SmtpFrame {

    @Override
    public String toString() {
        return "SmtpAuthResponse[****]";
    }
}
