package dev.mailgateway.smtp.server;

import dev.mailgateway.smtp.codec.SmtpDecodeError;
import dev.mailgateway.smtp.codec.SmtpMessageBody;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines against slow clients (slowloris): the idle timeout counts only silence, so one byte
 * every few seconds would hold a connection for ever. Here a whole command line must arrive
 * within {@code limits.commandDeadlineSec} of its first byte, and the whole DATA transfer (354
 * to the final dot) within {@code limits.dataDeadlineSec}. On expiry an {@link Expired} event
 * goes down the pipeline; {@link SmtpServerHandler} answers {@code 421 4.4.2} and closes.
 *
 * <p>Sits in front of the decoder ("deadlines"), where it sees the first raw byte of a line.
 * The handler tells it where lines and DATA end through a narrow interface ({@link #frame},
 * {@link #dataStarted}, {@link #suspend}, {@link #resume}), so the decoder needs no change.
 * While the server itself holds input back (spool write, delayed 535) no deadline runs: the
 * wait is ours, not the client's. Event loop only; not {@code @Sharable}.
 */
final class SmtpDeadlines extends ChannelInboundHandlerAdapter {

    /** Fired down the pipeline when a deadline passes. */
    enum Expired { COMMAND, DATA }

    private final long commandNanos;
    private final long dataNanos;
    private ChannelHandlerContext ctx;
    /** When the current command line's first byte came (System.nanoTime), or -1: no line open. */
    private long lineStart = -1;
    private ScheduledFuture<?> command; // one timer while lines come; it re-arms itself, never per line
    private ScheduledFuture<?> data;
    private boolean inData;
    private boolean suspended;

    SmtpDeadlines(int commandDeadlineSec, int dataDeadlineSec) {
        this.commandNanos = TimeUnit.SECONDS.toNanos(commandDeadlineSec);
        this.dataNanos = TimeUnit.SECONDS.toNanos(dataDeadlineSec);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The first byte of a command line starts its deadline. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            armCommand();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelCommand();
        if (command != null) {
            command.cancel(false);
            command = null;
        }
        cancelData();
        ctx.fireChannelInactive();
    }

    /**
     * The handler got a frame: a body or a DATA error ends DATA, anything else ends a command
     * line. {@code moreBuffered}: the decoder holds bytes of the next line already.
     */
    void frame(Object frame, boolean moreBuffered) {
        if (frame instanceof SmtpMessageBody || frame == SmtpDecodeError.MESSAGE_TOO_LARGE
                || frame == SmtpDecodeError.BARE_LINE_FEED) {
            inData = false;
            cancelData();
        }
        cancelCommand();
        if (moreBuffered) {
            armCommand();
        }
    }

    /** 354 sent: the body must be complete within the DATA deadline. */
    void dataStarted() {
        cancelCommand();
        inData = true;
        if (data == null && ctx != null) { // detached (a handler test without this in the pipeline): inert
            data = ctx.executor().schedule(this::expireData, dataNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The server holds input back (spool write, delayed reply): no command deadline meanwhile. */
    void suspend() {
        suspended = true;
        cancelCommand();
    }

    /** Input flows again; {@code moreBuffered}: a line has begun already. */
    void resume(boolean moreBuffered) {
        suspended = false;
        if (moreBuffered) {
            armCommand();
        }
    }

    /** Starts the current line's clock; a pipelining client costs one nanoTime per line, no timer. */
    private void armCommand() {
        if (lineStart < 0 && !inData && !suspended && ctx != null) {
            lineStart = System.nanoTime();
            if (command == null) {
                command = ctx.executor().schedule(this::checkCommand, commandNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void checkCommand() {
        command = null;
        if (lineStart < 0 || !ctx.channel().isActive()) {
            return; // the line ended (or the connection did): the next line schedules anew
        }
        long left = lineStart + commandNanos - System.nanoTime();
        if (left > 0) {
            command = ctx.executor().schedule(this::checkCommand, left, TimeUnit.NANOSECONDS);
        } else {
            lineStart = -1;
            ctx.fireUserEventTriggered(Expired.COMMAND);
        }
    }

    private void expireData() {
        data = null;
        if (ctx.channel().isActive()) {
            ctx.fireUserEventTriggered(Expired.DATA);
        }
    }

    private void cancelCommand() {
        lineStart = -1; // a pending check finds no open line and lapses
    }

    private void cancelData() {
        if (data != null) {
            data.cancel(false);
            data = null;
        }
    }
}
