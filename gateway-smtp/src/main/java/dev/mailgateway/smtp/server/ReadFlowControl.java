package dev.mailgateway.smtp.server;

import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.channel.ChannelHandlerContext;

/**
 * When one connection's input is decoded and read, for {@link SmtpServerHandler}. Three reasons
 * to hold it back, each cleared on its own:
 *
 * <ul>
 *   <li><b>waiting</b> ({@link #pause}/{@link #resume}): a reply comes later (the spool write at
 *       the final dot, the delayed 535, a Redis rate-limit check). Decoding pauses so replies stay
 *       in command order; the socket is still read (the decoder bounds what it buffers, and stops
 *       reading past {@link SmtpServerDecoder#PAUSED_BUFFER_LIMIT}); the deadlines are suspended.
 *   <li><b>budget</b> ({@link #budgetUsedUp}): {@code limits.maxBufferedDataBytes} is used up by
 *       chunks the spool has not written yet: decoding pauses and autoRead goes off until the
 *       budget has room again (TCP flow control slows the client; nothing is refused).
 *   <li><b>congested</b> ({@link #writabilityChanged}): the client does not read its replies
 *       (write buffer above its high-water mark): decoding pauses and autoRead goes off until the
 *       replies drain.
 * </ul>
 * autoRead comes back on only when none of them holds. Everything runs on the channel's event
 * loop; resuming after congestion or budget is a new task, never inside a decode.
 */
final class ReadFlowControl {

    /** What the connection decides when input may go on. */
    interface Owner {

        /** True once the last reply is on its way: input is ignored from then on. */
        boolean closing();

        /** Called before decoding resumes; true when the connection closed instead (e.g. shutdown). */
        boolean closeInsteadOfResuming();
    }

    private final ChannelHandlerContext ctx;
    private final SmtpServerDecoder decoder;
    private final SmtpDeadlines deadlines;
    private final Owner owner;
    private boolean waiting;      // a reply comes later; decoding paused
    private boolean congested;    // replies not leaving (client not reading); reading paused
    private boolean budgetPaused; // limits.maxBufferedDataBytes used up; reading paused (waiting too)

    ReadFlowControl(ChannelHandlerContext ctx, SmtpServerDecoder decoder, SmtpDeadlines deadlines, Owner owner) {
        this.ctx = ctx;
        this.decoder = decoder;
        this.deadlines = deadlines;
        this.owner = owner;
    }

    /** True while a later reply is pending ({@link #pause} not yet resumed). */
    boolean waiting() {
        return waiting;
    }

    /** Holds back decoding until {@link #resume}; the decoder bounds what it buffers. */
    void pause() {
        waiting = true;
        deadlines.suspend();
        decoder.pause();
    }

    /** Decodes what arrived meanwhile (its replies are written now), then reads again. */
    void resume() {
        waiting = false;
        if (owner.closing() || !ctx.channel().isActive()) {
            ctx.flush();
            return;
        }
        if (owner.closeInsteadOfResuming()) {
            return;
        }
        if (!congested) {
            decoder.resume(); // may set waiting/congested/closing again
        }
        ctx.flush();
        if (!waiting && !owner.closing()) {
            deadlines.resume(decoder.bufferedBytes() > 0);
        }
        if (!waiting && !congested && !owner.closing()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * A chunk used up {@code budget}: unless input is already held, stop reading until the spool
     * writer's completions bring the budget back under its limit.
     *
     * @return true when reading was stopped now (the caller logs it)
     */
    boolean budgetUsedUp(DataBudget budget) {
        if (budgetPaused || waiting) {
            return false;
        }
        budgetPaused = true;
        pause();
        ctx.channel().config().setAutoRead(false);
        budget.whenAvailable(() -> ctx.executor().execute(this::budgetAvailable));
        return true;
    }

    private void budgetAvailable() {
        if (budgetPaused) {
            budgetPaused = false;
            resume();
        }
    }

    /** The connection went away: a budget pause has nothing left to resume. */
    void inactive() {
        if (budgetPaused) {
            budgetPaused = false;
            waiting = false;
        }
    }

    /**
     * Backpressure: a client that pipelines without reading its replies would make the outbound
     * buffer grow without bound; above the write-buffer high-water mark reading stops until the
     * replies drain. Resuming is a new task, never inside a decode (this event can fire from a
     * flush made while the decoder is running).
     *
     * @return true when reading was stopped now (the caller logs it)
     */
    boolean writabilityChanged() {
        if (!ctx.channel().isWritable()) {
            if (!congested && !owner.closing()) {
                congested = true;
                decoder.pause();
                ctx.channel().config().setAutoRead(false);
                ctx.flush();
                return true;
            }
        } else if (congested) {
            ctx.executor().execute(() -> {
                if (congested && ctx.channel().isWritable()) {
                    congested = false;
                    if (!waiting) {
                        resume();
                    }
                }
            });
        }
        return false;
    }
}
