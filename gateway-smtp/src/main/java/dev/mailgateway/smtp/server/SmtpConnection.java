package dev.mailgateway.smtp.server;

import dev.mailgateway.smtp.codec.SmtpReply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;

/**
 * What a command sees of its connection ({@link SmtpServerHandler} implements it): the session
 * state, the shared server settings, a reply writer and the few actions commands take. Commands
 * ({@link SmtpEnvelopeCommands}, {@link SmtpAuthCommand}, {@link SmtpRateLimitCheck},
 * {@link SmtpDataReceiver}) go through this and never reach into the handler, its decoder or
 * its pipeline. Every method runs on the channel's event loop.
 */
interface SmtpConnection {

    /** This connection's state (HELO, AUTH, the open transaction). */
    SmtpSession session();

    /** What every connection of the server shares: settings, collaborators, limiters. */
    SmtpServerContext server();

    /** Writes a reply; the handler flushes once per read batch (RFC 2920). */
    void write(SmtpReply reply);

    /** Writes an encoded reply (from {@link #alloc()}), released by the write. */
    void write(ByteBuf reply);

    /** The allocator for replies that carry variable text. */
    ByteBufAllocator alloc();

    /** Sends {@code reply}, then closes; input is ignored from now on. */
    void closeWith(SmtpReply reply);

    /** True while the channel is connected (it may be closing). */
    boolean active();

    /** True while the connection is connected and not closing: a late reply may still be written. */
    boolean open();

    /** The event loop of this connection: completions of work done elsewhere hop back here. */
    EventExecutor loop();

    /** Holds back decoding until {@link #resumeReading}: a reply comes later, in command order. */
    void pauseReading();

    /** Decodes what the client pipelined meanwhile, then reads again. */
    void resumeReading();

    /** The next client line answers a 334 challenge (decoded as an AUTH response, not a command). */
    void expectAuthResponse();

    /** The 354 is sent: the next bytes are the message body, {@code received} goes first. */
    void startData(byte[] received);

    /** Reading stops until {@code budget} has room (limits.maxBufferedDataBytes); true when it stopped now. */
    boolean pauseForBudget(DataBudget budget);
}
