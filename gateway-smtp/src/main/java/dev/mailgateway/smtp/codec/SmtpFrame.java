package dev.mailgateway.smtp.codec;

/**
 * What {@link SmtpServerDecoder} emits: a command line, an AUTH continuation line, a complete
 * message body, or a decode error. Errors are values: the handler turns each into a reply and
 * the session goes on.
 */
public sealed interface SmtpFrame permits SmtpCommandLine, SmtpAuthResponse, SmtpMessageBody, SmtpDataChunk,
        SmtpDecodeError {
}
