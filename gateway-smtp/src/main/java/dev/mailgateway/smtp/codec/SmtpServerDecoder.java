package dev.mailgateway.smtp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits the inbound SMTP byte stream into {@link SmtpFrame}s: command lines, AUTH
 * continuation lines and, after the handler calls {@link #startData}, one streamed message body.
 *
 * <p>Contract: one instance per channel (not {@code @Sharable}). It emits at most one frame per
 * {@code decode} call, so the handler sees each frame before the next byte is decoded and can
 * switch the mode ({@link #startData} after sending 354, {@link #expectAuthResponse} after 334,
 * {@link #pause} while the spool writes). Bytes after a frame stay buffered for the next
 * command (PIPELINING, RFC 2920). All methods run on the channel's event loop.
 *
 * <p>Traps this class exists to avoid:
 * <ul>
 *   <li>Only CRLF ends a DATA line. Accepting a lone LF there (as {@code LineBasedFrameDecoder}
 *       does) lets {@code <LF>.<LF>} end DATA early and smuggle a second message (CVE-2023-51764). The end
 *       of data is recognised only as {@code <CRLF>.<CRLF>}; {@code <LF>.<LF>},
 *       {@code <LF>.<CRLF>}, {@code <CR>.<CR>} are content.
 *   <li>An over-long line is discarded as it streams (state {@code DISCARD_LINE}); the decoder
 *       never holds more than {@code maxLineLength} octets of it.
 *   <li>An over-size body is read and dropped up to its terminator ({@code DATA_DISCARD}),
 *       then reported, so the client's next command is not read out of the body.
 * </ul>
 */
public final class SmtpServerDecoder extends ByteToMessageDecoder {

    private enum State { COMMAND_LINE, AUTH_LINE, DISCARD_LINE, DATA, DATA_DISCARD }

    // Positions within a DATA line, byte by byte (RFC 5321 4.5.2 dot-stuffing, 4.1.1.4 end of data).
    private static final int LINE_START = 0;    // after CRLF (or right after the 354)
    private static final int LINE_START_LF = 1; // after a bare LF: a dot here never ends DATA
    private static final int DOT = 2;           // a dot at line start
    private static final int DOT_CR = 3;        // dot, CR at line start
    private static final int IN_LINE = 4;
    private static final int CR = 5;            // a CR inside a line, LF not seen yet

    private static final byte CR_BYTE = '\r';
    private static final byte LF_BYTE = '\n';
    private static final int MIN_BODY_BUFFER = 16 * 1024;
    private static final int MAX_INITIAL_BODY_BUFFER = 1 << 20;
    /** Octets a paused decoder buffers before it stops the channel's reading. */
    public static final int PAUSED_BUFFER_LIMIT = 64 * 1024;

    private final int maxLineLength;
    private final boolean rejectBareLfCommands;

    private ChannelHandlerContext ctx;
    private State state = State.COMMAND_LINE;
    private boolean paused;

    // DATA state: allocated at startData, dropped at the end, so an idle connection holds nothing.
    private byte[] body;
    private int length;
    private int prefixLength;
    private long bodySize;
    private long maxBodySize;
    private int dataState;
    private boolean dotAfterBareLf;
    private boolean sawBareLf;
    private boolean rejectBareLf;

    /** @param maxLineLength longest command line in octets including CRLF (RFC 5321 4.5.3.1.4) */
    public SmtpServerDecoder(int maxLineLength) {
        this(maxLineLength, false);
    }

    /**
     * @param maxLineLength        longest command line in octets including CRLF (RFC 5321 4.5.3.1.4)
     * @param rejectBareLfCommands true: a command line ended by a bare LF is answered at once with
     *                             {@link SmtpDecodeError#BARE_LF_COMMAND}; false: a bare LF ends a
     *                             command line like CRLF (as Postfix does). DATA is not affected.
     */
    public SmtpServerDecoder(int maxLineLength, boolean rejectBareLfCommands) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be >= 3, got " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        this.rejectBareLfCommands = rejectBareLfCommands;
    }

    /**
     * Switches to DATA: the next bytes are the message body, up to {@code <CRLF>.<CRLF>}.
     *
     * @param prefix       octets placed before the body (the Received header)
     * @param maxBodySize  body octets allowed (after unstuffing); more → {@link SmtpDecodeError#MESSAGE_TOO_LARGE}
     * @param sizeHint     the SIZE= the client declared, or 0; sizes the first buffer
     * @param rejectBareLf true: a bare LF makes the message {@link SmtpDecodeError#BARE_LINE_FEED};
     *                     false: it is stored as CRLF
     */
    public void startData(byte[] prefix, long maxBodySize, long sizeHint, boolean rejectBareLf) {
        long want = Math.max(MIN_BODY_BUFFER, Math.min(sizeHint + sizeHint / 16, maxBodySize));
        int initial = (int) Math.min(want, MAX_INITIAL_BODY_BUFFER) + prefix.length;
        this.body = new byte[initial];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        this.length = prefix.length;
        this.prefixLength = prefix.length;
        this.bodySize = 0;
        this.maxBodySize = maxBodySize;
        this.dataState = LINE_START;
        this.sawBareLf = false;
        this.rejectBareLf = rejectBareLf;
        this.state = State.DATA;
    }

    /** The next line answers a 334 challenge and is emitted as {@link SmtpAuthResponse}. */
    public void expectAuthResponse() {
        if (state == State.COMMAND_LINE) {
            state = State.AUTH_LINE;
        }
    }

    /** Stops decoding; bytes that arrive stay buffered until {@link #resume}. */
    public void pause() {
        paused = true;
    }

    /** Octets received and not yet decoded (a test hook: stays small while a long line streams). */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    public boolean isPaused() {
        return paused;
    }

    /** Decodes what was buffered while paused (frames go down the pipeline before this returns). */
    public void resume() {
        paused = false;
        if (ctx != null && !ctx.isRemoved() && actualReadableBytes() > 0) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    /**
     * Drops every buffered byte: after STARTTLS, plaintext pipelined behind the command must not
     * be executed inside the TLS session (RFC 3207 section 4.2, the command-injection bug class).
     */
    public void discardBuffered() {
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
        state = State.COMMAND_LINE;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * While paused, does not ask for more input: {@link ByteToMessageDecoder} would call
     * {@code ctx.read()} after a read that decoded nothing with autoRead off, and a client could
     * then keep streaming into the buffer while the spool writes.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (paused) {
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /**
     * While paused the channel keeps reading (a lock-step client sends nothing until it has its
     * reply, and turning epoll interest off and on again would cost two system calls per
     * message); only a client that streams more than {@link #PAUSED_BUFFER_LIMIT} octets into a
     * paused session has its reading stopped, until the handler resumes it.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (paused && actualReadableBytes() > PAUSED_BUFFER_LIMIT) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        body = null;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        for (;;) {
            if (paused || !in.isReadable()) {
                return;
            }
            switch (state) {
                case COMMAND_LINE, AUTH_LINE -> {
                    if (!decodeLine(in, out)) {
                        return;
                    }
                }
                case DISCARD_LINE -> {
                    decodeDiscardLine(in, out);
                    return;
                }
                case DATA, DATA_DISCARD -> {
                    decodeData(in, out);
                    return;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    /** Returns true when the state changed to DISCARD_LINE and decoding should go on. */
    private boolean decodeLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int searchEnd = Math.min(end, start + maxLineLength);
        if (start < searchEnd) {
            int lf = in.indexOf(start, searchEnd, LF_BYTE);
            if (lf >= 0) {
                boolean crlf = lf > start && in.getByte(lf - 1) == CR_BYTE;
                in.readerIndex(lf + 1);
                if (!crlf && rejectBareLfCommands) {
                    // RFC 5321 2.3.8 allows only CRLF: answer at once rather than wait for one.
                    out.add(SmtpDecodeError.BARE_LF_COMMAND);
                } else {
                    // A bare LF ends a command line too (Postfix does the same; DATA keeps its policy).
                    String line = in.toString(start, lf - start - (crlf ? 1 : 0), StandardCharsets.UTF_8);
                    out.add(state == State.AUTH_LINE ? new SmtpAuthResponse(line) : new SmtpCommandLine(line));
                }
                state = State.COMMAND_LINE;
                return false;
            }
        }
        if (end - start >= maxLineLength) {
            state = State.DISCARD_LINE;
            return true;
        }
        return false;
    }

    /** Drops an over-long line up to and including its LF, then emits LINE_TOO_LONG. */
    private void decodeDiscardLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start, end, LF_BYTE);
        if (lf >= 0) {
            // Any LF ends the over-long line: bare LF ends command lines too (see decodeLine).
            in.readerIndex(lf + 1);
            state = State.COMMAND_LINE;
            out.add(SmtpDecodeError.LINE_TOO_LONG);
            return;
        }
        in.readerIndex(end);
    }

    private void decodeData(ByteBuf in, List<Object> out) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (dataState == IN_LINE) {
                // Fast path: copy the run up to the line's end in one go. Only LF is searched
                // for (ByteBuf.indexOf scans 8 bytes at a time); a CR inside the run is content
                // (the state machine would keep it too), a CR just before the LF or at the end
                // of this read goes through the state machine.
                int lf = in.indexOf(i, end, LF_BYTE);
                int runEnd = lf < 0 ? end : lf;
                if (runEnd > i && in.getByte(runEnd - 1) == CR_BYTE) {
                    runEnd--;
                }
                append(in, i, runEnd - i);
                i = runEnd;
                if (i == end) {
                    break;
                }
            }
            if (step(in.getByte(i++))) {
                in.readerIndex(i);
                finishData(out);
                return;
            }
        }
        in.readerIndex(end);
    }

    /** Advances the DATA state machine by one byte; true at {@code <CRLF>.<CRLF>}. */
    private boolean step(byte b) {
        switch (dataState) {
            case LINE_START, LINE_START_LF -> {
                if (b == '.') {
                    dotAfterBareLf = dataState == LINE_START_LF;
                    dataState = DOT;
                    return false;
                }
                return inLine(b);
            }
            case DOT -> {
                if (b == CR_BYTE) {
                    dataState = DOT_CR;
                    return false;
                }
                if (b == LF_BYTE) {
                    // ".<LF>": a lone dot ended by a bare LF is content, never the end (CVE-2023-51764).
                    appendByte((byte) '.');
                    return inLine(b);
                }
                // RFC 5321 4.5.2: a leading dot followed by more text is removed.
                return inLine(b);
            }
            case DOT_CR -> {
                if (b == LF_BYTE) {
                    if (!dotAfterBareLf) {
                        return true; // <CRLF>.<CRLF>
                    }
                    // "<LF>.<CRLF>" is a line holding a dot, not the end of data.
                    appendByte((byte) '.');
                    appendCrlf();
                    dataState = LINE_START;
                    return false;
                }
                // ".<CR>x": the dot was stuffing; the CR is a bare CR, kept as is.
                appendByte(CR_BYTE);
                return inLine(b);
            }
            case IN_LINE -> {
                return inLine(b);
            }
            case CR -> {
                if (b == LF_BYTE) {
                    appendCrlf();
                    dataState = LINE_START;
                    return false;
                }
                appendByte(CR_BYTE);
                return inLine(b);
            }
            default -> throw new IllegalStateException("data state " + dataState);
        }
    }

    private boolean inLine(byte b) {
        if (b == CR_BYTE) {
            dataState = CR;
        } else if (b == LF_BYTE) {
            sawBareLf = true; // stored as CRLF (normalize) or reported at the end (reject)
            appendCrlf();
            dataState = LINE_START_LF;
        } else {
            appendByte(b);
            dataState = IN_LINE;
        }
        return false;
    }

    private void finishData(List<Object> out) {
        state = State.COMMAND_LINE;
        byte[] content = body;
        int total = length;
        body = null;
        if (content == null) {
            out.add(SmtpDecodeError.MESSAGE_TOO_LARGE);
        } else if (sawBareLf && rejectBareLf) {
            out.add(SmtpDecodeError.BARE_LINE_FEED);
        } else {
            byte[] exact = content.length == total ? content : java.util.Arrays.copyOf(content, total);
            out.add(new SmtpMessageBody(exact, total - prefixLength));
        }
    }

    private boolean counts(int n) {
        bodySize += n;
        if (body != null && bodySize > maxBodySize) {
            body = null; // read and drop to the terminator, then 552 (RFC 5321 4.5.3.1.10)
            state = State.DATA_DISCARD;
        }
        return body != null;
    }

    private void ensure(int extra) {
        int need = length + extra;
        if (need > body.length) {
            long cap = Math.min(Math.max((long) body.length * 2, need), prefixLength + maxBodySize);
            body = java.util.Arrays.copyOf(body, (int) Math.max(cap, need));
        }
    }

    private void append(ByteBuf in, int index, int n) {
        if (n > 0 && counts(n)) {
            ensure(n);
            in.getBytes(index, body, length, n);
            length += n;
        }
    }

    private void appendByte(byte b) {
        if (counts(1)) {
            ensure(1);
            body[length++] = b;
        }
    }

    private void appendCrlf() {
        if (counts(2)) {
            ensure(2);
            body[length++] = CR_BYTE;
            body[length++] = LF_BYTE;
        }
    }
}
