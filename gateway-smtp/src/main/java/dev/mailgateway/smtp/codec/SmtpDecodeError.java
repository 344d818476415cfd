package dev.mailgateway.smtp.codec;

/** Decode errors, emitted as values in stream order. */
public enum SmtpDecodeError implements SmtpFrame {
    /** A command line longer than smtp.maxLineLength; emitted once its CRLF arrives (500 5.5.2). */
    LINE_TOO_LONG,
    /** A command line ended by a bare LF while smtp.bareLineFeed is "reject"; emitted at the LF (500 5.5.2). */
    BARE_LF_COMMAND,
    /** The body exceeded limits.maxMessageSizeBytes; emitted after the terminator (552 5.3.4). */
    MESSAGE_TOO_LARGE,
    /** The body had a bare LF and smtp.bareLineFeed is "reject"; emitted after the terminator (550 5.6.0). */
    BARE_LINE_FEED
}
