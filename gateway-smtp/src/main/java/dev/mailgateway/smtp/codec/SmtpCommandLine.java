package dev.mailgateway.smtp.codec;

/** One command line, CRLF removed, decoded as UTF-8 (RFC 6531 allows UTF-8 in addresses). */
public record SmtpCommandLine(String line) implements SmtpFrame {
}
