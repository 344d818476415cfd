package dev.mailgateway.relay.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Turns spooled message bytes (CRLF lines, not stuffed) into DATA wire form: a '.' that starts
 * a line is doubled (RFC 5321 4.5.2), a missing final CRLF is added, and the end-of-data
 * marker {@code .CRLF} is appended. One buffer, so the body goes out in one write.
 */
public final class DotStuffing {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private DotStuffing() {
    }

    /** The body as sent after a 354 reply, ending with CRLF.CRLF. The caller owns the buffer. */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[] content) {
        int dots = dotsToStuff(content);
        int tail = terminatorLength(content);
        ByteBuf out = alloc.ioBuffer(content.length + dots + tail);
        if (dots == 0) {
            out.writeBytes(content);
        } else {
            int from = 0;
            for (int i = 0; i < content.length; i++) {
                if (content[i] == DOT && (i == 0 || (i >= 2 && content[i - 1] == LF && content[i - 2] == CR))) {
                    out.writeBytes(content, from, i - from);
                    out.writeByte(DOT);
                    from = i; // the original dot follows the added one
                }
            }
            out.writeBytes(content, from, content.length - from);
        }
        if (tail == 5) {
            out.writeByte(CR).writeByte(LF);
        }
        out.writeByte(DOT).writeByte(CR).writeByte(LF);
        return out;
    }

    private static int dotsToStuff(byte[] c) {
        // ByteBuf.indexOf scans 8 bytes at a time; most bodies hold few dots or none
        ByteBuf view = Unpooled.wrappedBuffer(c);
        int n = 0;
        int i = 0;
        while (i < c.length && (i = view.indexOf(i, c.length, DOT)) >= 0) {
            if (i == 0 || (i >= 2 && c[i - 1] == LF && c[i - 2] == CR)) {
                n++;
            }
            i++;
        }
        return n;
    }

    private static int terminatorLength(byte[] c) {
        boolean endsWithCrlf = c.length >= 2 && c[c.length - 2] == CR && c[c.length - 1] == LF;
        return endsWithCrlf || c.length == 0 ? 3 : 5;
    }

    /**
     * Dot-stuffing for a body sent in pieces: {@link #encode(ByteBufAllocator, byte[], int, int)}
     * each piece in order, then {@link #finish}. Remembers the last two bytes, so a dot at the
     * start of a piece is stuffed exactly when it starts a line. One instance per message; loop only.
     */
    public static final class Streamer {
        private byte prev2 = CR;
        private byte prev1 = LF; // the body starts at a line start
        private long total;

        /** One piece of the body in wire form. The caller owns the buffer. */
        public ByteBuf encode(ByteBufAllocator alloc, byte[] part, int from, int length) {
            ByteBuf out = alloc.ioBuffer(length + 16);
            int start = from;
            int end = from + length;
            for (int i = from; i < end; i++) {
                byte b = part[i];
                if (b == DOT) {
                    byte p1 = i - 1 >= from ? part[i - 1] : prev1;
                    byte p2 = i - 2 >= from ? part[i - 2] : (i - 1 >= from ? prev1 : prev2);
                    if (p1 == LF && p2 == CR) {
                        out.writeBytes(part, start, i - start);
                        out.writeByte(DOT);
                        start = i;
                    }
                }
            }
            out.writeBytes(part, start, end - start);
            if (length >= 2) {
                prev2 = part[end - 2];
                prev1 = part[end - 1];
            } else if (length == 1) {
                prev2 = prev1;
                prev1 = part[end - 1];
            }
            total += length;
            return out;
        }

        /** The end of data: CRLF when the body did not end with one, then {@code .CRLF}. */
        public ByteBuf finish(ByteBufAllocator alloc) {
            ByteBuf out = alloc.ioBuffer(5);
            if (total > 0 && !(prev2 == CR && prev1 == LF)) {
                out.writeByte(CR).writeByte(LF);
            }
            return out.writeByte(DOT).writeByte(CR).writeByte(LF);
        }
    }

    /** True when any byte is outside 7-bit ASCII (needs 8BITMIME or SMTPUTF8 upstream). */
    public static boolean hasEightBit(byte[] c) {
        for (byte b : c) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }
}
