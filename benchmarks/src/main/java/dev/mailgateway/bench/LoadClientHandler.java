package dev.mailgateway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of {@link LoadTool}: a lock-step SMTP client (RFC 5321 section 3.3:
 * EHLO, [AUTH PLAIN], then MAIL, RCPT x R, DATA, body per message, QUIT at the end). Replies
 * arrive as CRLF-stripped lines; continuation lines ({@code 250-}) are skipped (section 4.2.1).
 *
 * <p>Each connection carries up to {@code messagesPerConnection} messages; each message is
 * claimed from the run before it starts, so the run never sends more than M. A rejected
 * MAIL/RCPT/DATA is counted by its code and the transaction is reset with RSET. Not
 * {@code @Sharable}: one instance per channel, touched only by its event loop.
 */
final class LoadClientHandler extends SimpleChannelInboundHandler<ByteBuf> {

    enum State { GREETING, EHLO, AUTH, MAIL, RCPT, DATA, BODY, RSET, QUIT, IDLE, DONE }

    /** What the handler needs from the run it belongs to. */
    interface Run {
        /** Claims the next message; false when M are claimed or the run is stopping. */
        boolean claim();

        /** Nanoseconds to wait before starting the claimed message (0 when unpaced). */
        long paceDelayNanos();

        LoadStats stats();

        /** Idle mode: the connection has had its EHLO answered. */
        void idleReady(io.netty.channel.Channel channel);
    }

    private final Run run;
    private final LoadOptions options;
    private final ByteBuf message;
    private final boolean idleMode;

    private State state = State.GREETING;
    private boolean messageInFlight;
    private int messagesDone;
    private int rcptIndex;
    private long dotSentNanos;
    private long mailSentNanos;

    LoadClientHandler(Run run, LoadOptions options, ByteBuf message, boolean firstMessageClaimed) {
        this.run = run;
        this.options = options;
        this.message = message;
        this.idleMode = options.idleMode();
        this.messageInFlight = firstMessageClaimed;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
        if (line.readableBytes() < 3) {
            protocolError(ctx, "short-reply");
            return;
        }
        if (line.readableBytes() > 3 && line.getByte(line.readerIndex() + 3) == '-') {
            return; // continuation line of a multi-line reply
        }
        int code = replyCode(line);
        if (code < 0) {
            protocolError(ctx, "bad-reply");
            return;
        }
        onReply(ctx, code);
    }

    private void onReply(ChannelHandlerContext ctx, int code) {
        switch (state) {
            case GREETING -> {
                if (code != 220) {
                    failAndClose(ctx, code);
                    return;
                }
                send(ctx, "EHLO loadtool.example.com\r\n", State.EHLO);
            }
            case EHLO -> {
                if (code != 250) {
                    failAndClose(ctx, code);
                } else if (idleMode) {
                    state = State.IDLE;
                    run.idleReady(ctx.channel());
                } else if (options.auth()) {
                    String token = Base64.getEncoder().encodeToString(
                            ("\0" + options.user() + "\0" + options.password()).getBytes(StandardCharsets.UTF_8));
                    send(ctx, "AUTH PLAIN " + token + "\r\n", State.AUTH);
                } else {
                    startMessage(ctx);
                }
            }
            case AUTH -> {
                if (code != 235) {
                    failAndClose(ctx, code);
                    return;
                }
                startMessage(ctx);
            }
            case MAIL -> {
                if (code != 250) {
                    rejectAndReset(ctx, code);
                    return;
                }
                run.stats().recordMailFrom(System.nanoTime() - mailSentNanos);
                rcptIndex = 0;
                sendRcpt(ctx);
            }
            case RCPT -> {
                if (code != 250 && code != 251) {
                    rejectAndReset(ctx, code);
                } else if (rcptIndex < options.recipients()) {
                    sendRcpt(ctx);
                } else {
                    send(ctx, "DATA\r\n", State.DATA);
                }
            }
            case DATA -> {
                if (code != 354) {
                    rejectAndReset(ctx, code);
                    return;
                }
                state = State.BODY;
                dotSentNanos = System.nanoTime();
                ctx.writeAndFlush(message.retainedDuplicate()).addListener(f -> {
                    if (f.isSuccess() && state == State.BODY) {
                        dotSentNanos = System.nanoTime(); // the final dot has left
                    }
                });
            }
            case BODY -> {
                messageInFlight = false;
                if (code == 250) {
                    run.stats().recordAccept(System.nanoTime() - dotSentNanos, options.recipients());
                } else {
                    run.stats().recordError(Integer.toString(code));
                    run.stats().recordFailedMessage();
                }
                nextOrQuit(ctx);
            }
            case RSET -> nextOrQuit(ctx);
            case QUIT -> {
                state = State.DONE;
                ctx.close();
            }
            case IDLE, DONE -> {
                if (code == 421) {
                    run.stats().recordError("421");
                    ctx.close();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void startMessage(ChannelHandlerContext ctx) {
        if (!messageInFlight) {
            quit(ctx);
            return;
        }
        long delay = run.paceDelayNanos();
        if (delay > 0) {
            state = State.MAIL;
            ctx.executor().schedule(() -> {
                if (ctx.channel().isActive()) {
                    mailSentNanos = System.nanoTime();
                    ctx.writeAndFlush(ascii(ctx, "MAIL FROM:<" + MessageTemplate.FROM + ">\r\n"));
                }
            }, delay, TimeUnit.NANOSECONDS);
        } else {
            mailSentNanos = System.nanoTime();
            send(ctx, "MAIL FROM:<" + MessageTemplate.FROM + ">\r\n", State.MAIL);
        }
    }

    private void sendRcpt(ChannelHandlerContext ctx) {
        send(ctx, "RCPT TO:<" + MessageTemplate.recipient(rcptIndex++) + ">\r\n", State.RCPT);
    }

    private void nextOrQuit(ChannelHandlerContext ctx) {
        messagesDone++;
        if (messagesDone < options.messagesPerConnection() && run.claim()) {
            messageInFlight = true;
            startMessage(ctx);
        } else {
            quit(ctx);
        }
    }

    private void quit(ChannelHandlerContext ctx) {
        send(ctx, "QUIT\r\n", State.QUIT);
    }

    private void rejectAndReset(ChannelHandlerContext ctx, int code) {
        run.stats().recordError(Integer.toString(code));
        run.stats().recordFailedMessage();
        messageInFlight = false;
        if (code == 421) {
            state = State.DONE;
            ctx.close();
            return;
        }
        send(ctx, "RSET\r\n", State.RSET);
    }

    private void failAndClose(ChannelHandlerContext ctx, int code) {
        run.stats().recordError(Integer.toString(code));
        if (messageInFlight) {
            messageInFlight = false;
            run.stats().recordFailedMessage();
        }
        state = State.DONE;
        ctx.close();
    }

    private void protocolError(ChannelHandlerContext ctx, String kind) {
        run.stats().recordError(kind);
        if (messageInFlight) {
            messageInFlight = false;
            run.stats().recordFailedMessage();
        }
        state = State.DONE;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (messageInFlight) {
            messageInFlight = false;
            run.stats().recordError("closed");
            run.stats().recordFailedMessage();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            run.stats().recordError("timeout");
        } else {
            run.stats().recordError("io");
        }
        if (messageInFlight) {
            messageInFlight = false;
            run.stats().recordFailedMessage();
        }
        state = State.DONE;
        ctx.close();
    }

    private void send(ChannelHandlerContext ctx, String line, State next) {
        state = next;
        ctx.writeAndFlush(ascii(ctx, line));
    }

    private static ByteBuf ascii(ChannelHandlerContext ctx, String s) {
        return ByteBufUtil.writeAscii(ctx.alloc(), s);
    }

    static int replyCode(ByteBuf line) {
        int i = line.readerIndex();
        int code = 0;
        for (int k = 0; k < 3; k++) {
            int d = line.getByte(i + k) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            code = code * 10 + d;
        }
        return code;
    }
}
