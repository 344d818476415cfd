package dev.mailgateway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The per-connection protocol of {@link SmtpSink}: accepts anything that looks like SMTP and
 * discards the content. Command lines end with CRLF (RFC 5321 section 2.3.8); DATA is scanned
 * byte by byte for CRLF "." CRLF (section 4.1.1.4) across buffer boundaries without copying;
 * bytes after the terminator are the next pipelined command (RFC 2920). Replies are written
 * as they are due and flushed once per read batch. Not {@code @Sharable}.
 */
final class SinkHandler extends ChannelInboundHandlerAdapter {

    private static final int MAX_LINE = 4096;

    private static final ByteBuf GREETING = reply("220 sink.example.com ESMTP sink\r\n");
    private static final ByteBuf EHLO = reply("250-sink.example.com\r\n250-PIPELINING\r\n"
            + "250-8BITMIME\r\n250-SIZE 0\r\n250 AUTH PLAIN LOGIN\r\n");
    private static final ByteBuf OK = reply("250 2.0.0 Ok\r\n");
    private static final ByteBuf MAIL_OK = reply("250 2.1.0 Ok\r\n");
    private static final ByteBuf RCPT_OK = reply("250 2.1.5 Ok\r\n");
    private static final ByteBuf START_DATA = reply("354 End data with <CR><LF>.<CR><LF>\r\n");
    private static final ByteBuf QUEUED = reply("250 2.0.0 Ok: queued\r\n");
    private static final ByteBuf AUTH_OK = reply("235 2.7.0 Authentication successful\r\n");
    private static final ByteBuf BYE = reply("221 2.0.0 Bye\r\n");
    private static final ByteBuf NO_TLS = reply("454 4.7.0 TLS not available\r\n");
    private static final ByteBuf UNKNOWN = reply("502 5.5.2 Command not recognized\r\n");
    private static final ByteBuf TOO_LONG = reply("500 5.5.0 Line too long\r\n");

    // DATA terminator matcher states: 0 mid-line, 1 saw CR, 2 at line start, 3 saw ".", 4 saw ".CR"
    private static final int MID = 0;
    private static final int CR = 1;
    private static final int LINE_START = 2;
    private static final int DOT = 3;
    private static final int DOT_CR = 4;

    private final SinkStats stats;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private boolean lineOverflow;
    private boolean inData;
    private int dataState;
    private int rcpts;
    private boolean quit;

    SinkHandler(SinkStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats.connectionOpened();
        ctx.writeAndFlush(GREETING.duplicate());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable() && !quit) {
                if (inData) {
                    scanData(ctx, in);
                } else {
                    readCommandByte(ctx, in);
                }
            }
        } finally {
            in.release();
        }
    }

    private void scanData(ChannelHandlerContext ctx, ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        int s = dataState;
        while (i < end) {
            byte b = in.getByte(i++);
            switch (s) {
                case CR -> s = b == '\n' ? LINE_START : (b == '\r' ? CR : MID);
                case LINE_START -> s = b == '.' ? DOT : (b == '\r' ? CR : MID);
                case DOT -> s = b == '\r' ? DOT_CR : MID;
                case DOT_CR -> {
                    if (b == '\n') {
                        stats.bytes(i - in.readerIndex());
                        in.readerIndex(i);
                        endOfData(ctx);
                        return;
                    }
                    s = b == '\r' ? CR : MID;
                }
                default -> s = b == '\r' ? CR : MID;
            }
        }
        stats.bytes(end - in.readerIndex());
        in.readerIndex(end);
        dataState = s;
    }

    private void endOfData(ChannelHandlerContext ctx) {
        inData = false;
        ctx.write(QUEUED.duplicate());
        stats.message(rcpts);
        rcpts = 0;
    }

    private void readCommandByte(ChannelHandlerContext ctx, ByteBuf in) {
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        int stop = eol < 0 ? in.writerIndex() : eol + 1;
        int n = stop - in.readerIndex();
        if (lineOverflow || lineLength + n > MAX_LINE) {
            lineOverflow = true;
            lineLength = 0;
        } else {
            in.getBytes(in.readerIndex(), line, lineLength, n);
            lineLength += n;
        }
        in.readerIndex(stop);
        if (eol >= 0) {
            if (lineOverflow) {
                lineOverflow = false;
                lineLength = 0;
                ctx.write(TOO_LONG.duplicate());
                return;
            }
            command(ctx, lineLength);
            lineLength = 0;
        }
    }

    private void command(ChannelHandlerContext ctx, int len) {
        String verb = len >= 4 ? new String(line, 0, 4, StandardCharsets.US_ASCII).toUpperCase() : "";
        switch (verb) {
            case "EHLO" -> ctx.write(EHLO.duplicate());
            case "HELO" -> ctx.write(OK.duplicate());
            case "MAIL" -> {
                rcpts = 0;
                ctx.write(MAIL_OK.duplicate());
            }
            case "RCPT" -> {
                rcpts++;
                ctx.write(RCPT_OK.duplicate());
            }
            case "DATA" -> {
                inData = true;
                dataState = LINE_START;
                ctx.write(START_DATA.duplicate());
            }
            case "RSET" -> {
                rcpts = 0;
                ctx.write(OK.duplicate());
            }
            case "NOOP" -> ctx.write(OK.duplicate());
            case "AUTH" -> ctx.write(AUTH_OK.duplicate());
            case "STAR" -> ctx.write(NO_TLS.duplicate());
            case "QUIT" -> {
                quit = true;
                ctx.writeAndFlush(BYE.duplicate()).addListener(ChannelFutureListener.CLOSE);
            }
            default -> ctx.write(UNKNOWN.duplicate());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stats.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset by a client going away is normal for a sink
    }

    private static ByteBuf reply(String s) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
                s.getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    }
}
