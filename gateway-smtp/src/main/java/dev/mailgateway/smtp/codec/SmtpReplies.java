package dev.mailgateway.smtp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Every reply the server sends, each with its RFC 3463 enhanced status code, named for the
 * situation. Host-specific replies (greeting, EHLO) are built once per server by
 * {@code SmtpServerContext}; one-off replies with a detail are the static methods at the end.
 */
public final class SmtpReplies {

    private SmtpReplies() {
    }

    // 2xx
    public static final SmtpReply OK = SmtpReply.of(250, "2.0.0", "Ok");
    public static final SmtpReply SENDER_OK = SmtpReply.of(250, "2.1.0", "Sender ok");
    public static final SmtpReply RECIPIENT_OK = SmtpReply.of(250, "2.1.5", "Recipient ok");
    public static final SmtpReply RESET_OK = SmtpReply.of(250, "2.0.0", "Reset ok");
    public static final SmtpReply BYE = SmtpReply.of(221, "2.0.0", "Bye");
    public static final SmtpReply CANNOT_VRFY = SmtpReply.of(252, "2.5.0",
            "Cannot VRFY user, but will accept message and attempt delivery");
    public static final SmtpReply HELP = SmtpReply.of(214, "2.0.0",
            "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    public static final SmtpReply READY_FOR_TLS = SmtpReply.of(220, "2.0.0", "Ready to start TLS");
    public static final SmtpReply AUTH_OK = SmtpReply.of(235, "2.7.0", "Authentication successful");

    // 3xx
    public static final SmtpReply START_MAIL_INPUT = SmtpReply.plain(354,
            "End data with <CR><LF>.<CR><LF>");
    /** RFC 4954 PLAIN: an empty challenge. */
    public static final SmtpReply AUTH_CONTINUE_EMPTY = SmtpReply.plain(334, "");
    /** RFC 4954 / draft-murchison-sasl-login: base64 "Username:". */
    public static final SmtpReply AUTH_USERNAME = SmtpReply.plain(334, "VXNlcm5hbWU6");
    /** base64 "Password:". */
    public static final SmtpReply AUTH_PASSWORD = SmtpReply.plain(334, "UGFzc3dvcmQ6");

    // 4xx
    public static final SmtpReply TOO_MANY_CONNECTIONS = SmtpReply.of(421, "4.7.0",
            "Too many connections, try again later");
    public static final SmtpReply TOO_MANY_AUTH_FAILURES = SmtpReply.of(421, "4.7.0",
            "Too many authentication failures, closing connection");
    public static final SmtpReply IDLE_TIMEOUT = SmtpReply.of(421, "4.4.2",
            "Idle timeout, closing connection");
    public static final SmtpReply SHUTTING_DOWN = SmtpReply.of(421, "4.3.2",
            "Service shutting down, closing connection");
    public static final SmtpReply LOCAL_ERROR_CLOSING = SmtpReply.of(421, "4.3.0",
            "Local error, closing connection");
    public static final SmtpReply SPOOL_FAILED = SmtpReply.of(451, "4.3.0",
            "Local error in processing, message not accepted, try again later");
    public static final SmtpReply SERVICE_UNAVAILABLE = SmtpReply.of(451, "4.3.0",
            "Service temporarily unavailable, try again later");
    public static final SmtpReply QUEUE_FULL = SmtpReply.of(452, "4.3.1",
            "Insufficient system storage: queue full, try again later");
    public static final SmtpReply DISK_LOW = SmtpReply.of(452, "4.3.1",
            "Insufficient system storage, try again later");
    public static final SmtpReply TOO_MANY_RECIPIENTS = SmtpReply.of(452, "4.5.3",
            "Too many recipients");

    // 5xx
    public static final SmtpReply UNKNOWN_COMMAND = SmtpReply.of(500, "5.5.1", "Command unrecognized");
    public static final SmtpReply LINE_TOO_LONG = SmtpReply.of(500, "5.5.2", "Line too long");
    public static final SmtpReply BARE_LF_COMMAND = SmtpReply.of(500, "5.5.2",
            "Bare LF in command line: end commands with CRLF");
    public static final SmtpReply HELO_NEEDS_DOMAIN = SmtpReply.of(501, "5.5.4",
            "Syntax: HELO domain or address literal");
    public static final SmtpReply SYNTAX_ERROR = SmtpReply.of(501, "5.5.4", "Syntax error in parameters");
    public static final SmtpReply EHLO_NEEDS_DOMAIN = SmtpReply.of(501, "5.5.4",
            "Syntax: EHLO domain or address literal");
    public static final SmtpReply MAIL_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    public static final SmtpReply RCPT_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");
    public static final SmtpReply NO_ARGUMENTS_ALLOWED = SmtpReply.of(501, "5.5.4",
            "Syntax error, no parameters allowed");
    public static final SmtpReply AUTH_CANCELLED = SmtpReply.of(501, "5.0.0", "Authentication cancelled");
    public static final SmtpReply AUTH_BAD_BASE64 = SmtpReply.of(501, "5.5.2",
            "Cannot decode the authentication response");
    public static final SmtpReply NOT_IMPLEMENTED = SmtpReply.of(502, "5.5.1", "Command not implemented");
    public static final SmtpReply AUTH_NOT_AVAILABLE = SmtpReply.of(502, "5.5.1",
            "Authentication not available");
    public static final SmtpReply NEED_HELO_FIRST = SmtpReply.of(503, "5.5.1", "Send EHLO or HELO first");
    public static final SmtpReply NESTED_MAIL = SmtpReply.of(503, "5.5.1", "Sender already specified");
    public static final SmtpReply NEED_MAIL_BEFORE_RCPT = SmtpReply.of(503, "5.5.1", "Need MAIL before RCPT");
    public static final SmtpReply NEED_MAIL_BEFORE_DATA = SmtpReply.of(503, "5.5.1", "Need MAIL before DATA");
    public static final SmtpReply ALREADY_AUTHENTICATED = SmtpReply.of(503, "5.5.1", "Already authenticated");
    public static final SmtpReply AUTH_IN_TRANSACTION = SmtpReply.of(503, "5.5.1",
            "AUTH not allowed during a mail transaction");
    public static final SmtpReply TLS_ALREADY_ACTIVE = SmtpReply.of(503, "5.5.1", "TLS already active");
    public static final SmtpReply UNKNOWN_AUTH_MECHANISM = SmtpReply.of(504, "5.5.4",
            "Unrecognized authentication mechanism");
    public static final SmtpReply AUTH_REQUIRED = SmtpReply.of(530, "5.7.0", "Authentication required");
    public static final SmtpReply AUTH_FAILED = SmtpReply.of(535, "5.7.8",
            "Authentication credentials invalid");
    public static final SmtpReply ENCRYPTION_REQUIRED = SmtpReply.of(538, "5.7.11",
            "Encryption required for requested authentication mechanism");
    public static final SmtpReply BARE_LINE_FEED = SmtpReply.of(550, "5.6.0",
            "Message rejected: bare LF line endings are not allowed (use CRLF)");
    public static final SmtpReply MESSAGE_TOO_LARGE = SmtpReply.of(552, "5.3.4",
            "Message size exceeds fixed maximum message size");
    public static final SmtpReply ACCESS_DENIED = SmtpReply.of(554, "5.7.1",
            "Access denied: connections from your address are not accepted");
    public static final SmtpReply NO_VALID_RECIPIENTS = SmtpReply.of(554, "5.5.1", "No valid recipients");

    /** {@code 250 2.0.0 Ok: queued as <id>} (RFC 5321 4.1.1.4 after the final dot). */
    public static ByteBuf queued(ByteBufAllocator alloc, String queueId) {
        return SmtpReply.encode(alloc, 250, "2.0.0", "Ok: queued as " + queueId);
    }

    /** {@code 501 5.1.7} bad sender address syntax, naming the problem (RFC 3463 X.1.7). */
    public static ByteBuf badSender(ByteBufAllocator alloc, String problem) {
        return SmtpReply.encode(alloc, 501, "5.1.7", "Bad sender address syntax: " + problem);
    }

    /** {@code 501 5.1.3} bad recipient address syntax, naming the problem (RFC 3463 X.1.3). */
    public static ByteBuf badRecipient(ByteBufAllocator alloc, String problem) {
        return SmtpReply.encode(alloc, 501, "5.1.3", "Bad recipient address syntax: " + problem);
    }

    /** {@code 501 5.5.4} a malformed MAIL FROM parameter, naming it. */
    public static ByteBuf badParameter(ByteBufAllocator alloc, String problem) {
        return SmtpReply.encode(alloc, 501, "5.5.4", "Syntax error in parameters: " + problem);
    }

    /** {@code 555 5.5.4} an unrecognised MAIL FROM / RCPT TO parameter (RFC 5321 4.1.1.11). */
    public static ByteBuf unknownParameter(ByteBufAllocator alloc, String name) {
        return SmtpReply.encode(alloc, 555, "5.5.4", "Parameter " + name + " not recognized");
    }

    /** {@code 451 4.7.1} a rate limit, naming it and when to retry. */
    public static ByteBuf rateLimited(ByteBufAllocator alloc, String limit, long retryAfterSeconds) {
        return SmtpReply.encode(alloc, 451, "4.7.1", "Rate limit exceeded (" + limit
                + "), try again in " + retryAfterSeconds + " seconds");
    }
}
