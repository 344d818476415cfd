package dev.mailgateway.smtp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits the inbound SMTP byte stream into {@link SmtpFrame}s: command lines, AUTH
 * continuation lines and, after the handler calls {@link #startData}, one streamed message body:
 * an {@link SmtpDataChunk} each time {@code chunkSize} unstuffed octets are collected, then an
 * {@link SmtpMessageBody} with the rest at the terminator. The decoder never holds more than one
 * chunk of a message (allocated at the first body byte, not at DATA or from the SIZE parameter),
 * whatever the message size.
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

    /** Where the DATA state machine is within a line, byte by byte (RFC 5321 4.5.2 dot-stuffing, 4.1.1.4 end of data). */
    private enum DataState {
        /** After CRLF (or right after the 354): a dot here may start {@code .<CRLF>}. */
        LINE_START,
        /** After a bare LF: a dot here never ends DATA (CVE-2023-51764). */
        LINE_START_LF,
        /** A dot at line start: stuffing, or the start of the terminator. */
        DOT,
        /** Dot, CR at line start: an LF now ends DATA (unless the line began after a bare LF). */
        DOT_CR,
        /** Inside a line (the fast path copies runs up to the next LF). */
        IN_LINE,
        /** A CR inside a line, LF not seen yet. */
        CR
    }

    private static final byte CR_BYTE = '\r';
    private static final byte LF_BYTE = '\n';
    /** Octets of a message collected before they go on as an {@link SmtpDataChunk}. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** The first chunk's initial capacity beyond the prefix (most messages are a few KiB). */
    private static final int FIRST_CHUNK_INITIAL = 8 * 1024;
    /** Room for the up to 3 octets one state-machine step adds past a full chunk. */
    private static final int CHUNK_SLACK = 8;
    /** Octets a paused decoder buffers before it stops the channel's reading. */
    public static final int PAUSED_BUFFER_LIMIT = 64 * 1024;

    private final int maxLineLength;
    private final boolean rejectBareLfCommands;
    private final int chunkSize;

    private ChannelHandlerContext ctx;
    private State state = State.COMMAND_LINE;
    private boolean paused;

    // DATA state: the chunk is allocated at the first body byte and handed on when full or at
    // the end, so an idle connection (or one that declared SIZE and sends nothing) holds nothing.
    private ByteBuf chunk;
    private byte[] prefix;
    private boolean chunkEmitted;
    private long bodySize;
    private long maxBodySize;
    private DataState dataState = DataState.LINE_START;
    private boolean dotAfterBareLf;
    private boolean sawBareLf;
    private boolean rejectBareLf;

    /** @param maxLineLength longest command line in octets including CRLF (RFC 5321 4.5.3.1.4) */
    public SmtpServerDecoder(int maxLineLength) {
        this(maxLineLength, false, DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param maxLineLength        longest command line in octets including CRLF (RFC 5321 4.5.3.1.4)
     * @param rejectBareLfCommands true: a command line ended by a bare LF is answered at once with
     *                             {@link SmtpDecodeError#BARE_LF_COMMAND}; false: a bare LF ends a
     *                             command line like CRLF (as Postfix does). DATA is not affected.
     */
    public SmtpServerDecoder(int maxLineLength, boolean rejectBareLfCommands) {
        this(maxLineLength, rejectBareLfCommands, DEFAULT_CHUNK_SIZE);
    }

    /** @param chunkSize octets per {@link SmtpDataChunk} (tests use tiny ones to cross many boundaries) */
    public SmtpServerDecoder(int maxLineLength, int chunkSize) {
        this(maxLineLength, false, chunkSize);
    }

    public SmtpServerDecoder(int maxLineLength, boolean rejectBareLfCommands, int chunkSize) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be >= 3, got " + maxLineLength);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
        }
        this.maxLineLength = maxLineLength;
        this.rejectBareLfCommands = rejectBareLfCommands;
        this.chunkSize = chunkSize;
    }

    /**
     * Switches to DATA: the next bytes are the message body, up to {@code <CRLF>.<CRLF>}.
     *
     * @param prefix       octets placed before the body (the Received header)
     * @param maxBodySize  body octets allowed (after unstuffing); more → {@link SmtpDecodeError#MESSAGE_TOO_LARGE}
     * @param sizeHint     the SIZE= the client declared, or 0; ignored: nothing is reserved for it
     * @param rejectBareLf true: a bare LF makes the message {@link SmtpDecodeError#BARE_LINE_FEED};
     *                     false: it is stored as CRLF
     */
    public void startData(byte[] prefix, long maxBodySize, long sizeHint, boolean rejectBareLf) {
        releaseChunk();
        this.prefix = prefix;
        this.chunkEmitted = false;
        this.bodySize = 0;
        this.maxBodySize = maxBodySize;
        this.dataState = DataState.LINE_START;
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

    /** Octets received and not yet decoded (the handler's deadlines use it; stays small while a long line streams). */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    /** Capacity of the chunk being filled, 0 when none is held (a test hook: bounded, never SIZE-based). */
    public int chunkBytes() {
        return chunk == null ? 0 : chunk.capacity();
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
        releaseChunk();
    }

    private void releaseChunk() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }

    /**
     * The chunk to append to; the first of a message starts with the prefix, and small (it grows
     * to the chunk size as needed), so a 4 KiB message takes a buffer the allocator's thread
     * cache serves instead of a 64 KiB one from the arena.
     */
    private ByteBuf chunk() {
        if (chunk == null) {
            int prefixLength = chunkEmitted ? 0 : prefix.length;
            int max = Math.max(chunkSize, prefixLength) + CHUNK_SLACK;
            int initial = chunkEmitted ? max : Math.min(max, FIRST_CHUNK_INITIAL + prefixLength);
            chunk = ctx.alloc().buffer(initial, max);
            if (prefixLength > 0) {
                chunk.writeBytes(prefix);
            }
        }
        return chunk;
    }

    /** Hands a full chunk on; true when one was emitted (decode() then returns: one frame per call). */
    private boolean emitIfFull(List<Object> out) {
        if (chunk != null && chunk.readableBytes() >= chunkSize) {
            out.add(new SmtpDataChunk(chunk));
            chunk = null;
            chunkEmitted = true;
            return true;
        }
        return false;
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
            if (dataState == DataState.IN_LINE) {
                // Fast path: copy the run up to the line's end in one go. Only LF is searched
                // for (ByteBuf.indexOf scans 8 bytes at a time); a CR inside the run is content
                // (the state machine would keep it too), a CR just before the LF or at the end
                // of this read goes through the state machine. A run stops where the chunk fills.
                int lf = in.indexOf(i, end, LF_BYTE);
                int runEnd = lf < 0 ? end : lf;
                if (runEnd > i && in.getByte(runEnd - 1) == CR_BYTE) {
                    runEnd--;
                }
                if (state == State.DATA) {
                    runEnd = Math.min(runEnd, i + Math.max(1, chunkSize - chunk().readableBytes()));
                }
                append(in, i, runEnd - i);
                i = runEnd;
                if (emitIfFull(out)) {
                    in.readerIndex(i);
                    return;
                }
                if (i == end) {
                    break;
                }
                if (dataState == DataState.IN_LINE && in.getByte(i) != LF_BYTE && in.getByte(i) != CR_BYTE) {
                    continue; // the run was cut at the chunk's end, not at a line end
                }
            }
            if (step(in.getByte(i++))) {
                in.readerIndex(i);
                finishData(out);
                return;
            }
            if (emitIfFull(out)) {
                in.readerIndex(i);
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
                    dotAfterBareLf = dataState == DataState.LINE_START_LF;
                    dataState = DataState.DOT;
                    return false;
                }
                return inLine(b);
            }
            case DOT -> {
                if (b == CR_BYTE) {
                    dataState = DataState.DOT_CR;
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
                    dataState = DataState.LINE_START;
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
                    dataState = DataState.LINE_START;
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
            dataState = DataState.CR;
        } else if (b == LF_BYTE) {
            sawBareLf = true; // stored as CRLF (normalize) or reported at the end (reject)
            appendCrlf();
            dataState = DataState.LINE_START_LF;
        } else {
            appendByte(b);
            dataState = DataState.IN_LINE;
        }
        return false;
    }

    private void finishData(List<Object> out) {
        boolean discarded = state == State.DATA_DISCARD;
        state = State.COMMAND_LINE;
        if (discarded) {
            out.add(SmtpDecodeError.MESSAGE_TOO_LARGE);
        } else if (sawBareLf && rejectBareLf) {
            releaseChunk();
            out.add(SmtpDecodeError.BARE_LINE_FEED);
        } else {
            ByteBuf last = chunk();
            chunk = null;
            out.add(new SmtpMessageBody(last, bodySize, !chunkEmitted));
        }
        prefix = null;
    }

    private boolean counts(int n) {
        if (state == State.DATA_DISCARD) {
            return false;
        }
        bodySize += n;
        if (bodySize > maxBodySize) {
            releaseChunk(); // read and drop to the terminator, then 552 (RFC 5321 4.5.3.1.10)
            state = State.DATA_DISCARD;
            return false;
        }
        return true;
    }

    private void append(ByteBuf in, int index, int n) {
        if (n > 0 && counts(n)) {
            chunk().writeBytes(in, index, n);
        }
    }

    private void appendByte(byte b) {
        if (counts(1)) {
            chunk().writeByte(b);
        }
    }

    private void appendCrlf() {
        if (counts(2)) {
            chunk().writeByte(CR_BYTE).writeByte(LF_BYTE);
        }
    }
}
