package dev.mailgateway.smtp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmtpServerDecoderTest {

    private static final byte[] PREFIX = "Received: x\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A message as the handler sees it once its chunks and last piece are put together. */
    record Body(byte[] content, long bodyLength, int chunks) {
    }

    /**
     * Stands in for the handler: records frames and, like the real one, switches the decoder
     * into DATA after a "DATA" line and into AUTH_LINE after "AUTH". The chunks of a message and
     * its last piece are recorded as one {@link Body} (buffers released), so the frames are the
     * same whatever the chunk size.
     */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> frames = new ArrayList<>();
        private final java.io.ByteArrayOutputStream pieces = new java.io.ByteArrayOutputStream();
        private int chunks;
        int maxChunk;
        int chunksBeforeError;
        final SmtpServerDecoder decoder;
        final long maxBody;
        final boolean rejectBareLf;

        Recorder(SmtpServerDecoder decoder, long maxBody, boolean rejectBareLf) {
            this.decoder = decoder;
            this.maxBody = maxBody;
            this.rejectBareLf = rejectBareLf;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            SmtpFrame f = (SmtpFrame) msg;
            if (f instanceof SmtpDataChunk c) {
                maxChunk = Math.max(maxChunk, c.content().readableBytes());
                pieces.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(c.content()));
                c.content().release();
                chunks++;
                return;
            }
            if (f instanceof SmtpMessageBody b) {
                assertThat(b.whole()).isEqualTo(chunks == 0);
                pieces.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b.content()));
                b.content().release();
                frames.add(new Body(pieces.toByteArray(), b.bodyLength(), chunks));
                pieces.reset();
                chunks = 0;
                return;
            }
            if (f instanceof SmtpDecodeError) {
                chunksBeforeError = chunks;
                pieces.reset(); // the handler aborts the upload: what was streamed is dropped
                chunks = 0;
            }
            frames.add(f);
            if (f instanceof SmtpCommandLine c && c.line().equalsIgnoreCase("DATA")) {
                decoder.startData(PREFIX, maxBody, 0, rejectBareLf);
            } else if (f instanceof SmtpCommandLine c && c.line().startsWith("AUTH")) {
                decoder.expectAuthResponse();
            }
        }
    }

    private SmtpServerDecoder decoder;
    private Recorder recorder;
    private EmbeddedChannel channel;

    /** Octets per chunk for the next open(): the default, or tiny to cross many chunk boundaries. */
    private int chunkSize = SmtpServerDecoder.DEFAULT_CHUNK_SIZE;

    private void open(int maxLine, long maxBody, boolean rejectBareLf) {
        decoder = new SmtpServerDecoder(maxLine, chunkSize);
        recorder = new Recorder(decoder, maxBody, rejectBareLf);
        channel = new EmbeddedChannel(decoder, recorder);
    }

    private void open() {
        open(512, 1 << 20, false);
    }

    private void write(String ascii) {
        channel.writeInbound(Unpooled.copiedBuffer(ascii, StandardCharsets.ISO_8859_1));
    }

    private void write(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    private static SmtpFrame line(String s) {
        return new SmtpCommandLine(s);
    }

    private String bodyText(int index) {
        Body b = (Body) recorder.frames.get(index);
        String all = new String(b.content(), StandardCharsets.ISO_8859_1);
        assertThat(all).startsWith("Received: x\r\n");
        return all.substring(PREFIX.length);
    }

    @Test
    void emitsOneFramePerCrlfTerminatedLine() {
        open();
        write("EHLO a\r\nNOOP\r\nQU");
        assertThat(recorder.frames).containsExactly(line("EHLO a"), line("NOOP"));
        write("IT\r\n");
        assertThat(recorder.frames).containsExactly(line("EHLO a"), line("NOOP"), line("QUIT"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bareLfEndsACommandLineLikeCrlf_issue14() {
        open();
        write("NOOP\nNOOP\r\nQUIT\n");
        assertThat(recorder.frames).containsExactly(line("NOOP"), line("NOOP"), line("QUIT"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bareLfCommandLineIsReportedAtOnceWhenRejecting_rfc5321_2_3_8() {
        decoder = new SmtpServerDecoder(512, true);
        recorder = new Recorder(decoder, 1024, true);
        channel = new EmbeddedChannel(decoder, recorder);
        write("EHLO x\n");
        assertThat(recorder.frames).containsExactly(SmtpDecodeError.BARE_LF_COMMAND);
        write("NOOP\r\n");
        assertThat(recorder.frames).containsExactly(SmtpDecodeError.BARE_LF_COMMAND, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void lineOf512OctetsIncludingCrlfIsAccepted_rfc5321_4_5_3_1_4() {
        open();
        String text = "X".repeat(510);
        write(text + "\r\n");
        assertThat(recorder.frames).containsExactly(line(text));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void lineOf513OctetsIsReportedTooLongAndTheNextLineStillWorks() {
        open();
        write("X".repeat(511) + "\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(SmtpDecodeError.LINE_TOO_LONG, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void hugeLineWithoutCrlfIsDiscardedAsItStreams() {
        open();
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'A');
        for (int i = 0; i < 1600; i++) { // 100 MiB
            write(chunk);
            assertThat(decoderBuffered()).isLessThanOrEqualTo(512);
        }
        assertThat(recorder.frames).isEmpty();
        write("\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(SmtpDecodeError.LINE_TOO_LONG, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void crlfSplitAcrossReadsWhileDiscardingEndsTheLongLine() {
        open();
        write("Y".repeat(600) + "\r");
        write("\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(SmtpDecodeError.LINE_TOO_LONG, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    private int decoderBuffered() {
        return decoder.bufferedBytes();
    }

    @Test
    void dataEndsOnlyAtCrlfDotCrlfAndUnstuffsDots_rfc5321_4_5_2() {
        open();
        write("DATA\r\nSubject: x\r\n\r\n..leading dot\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("Subject: x\r\n\r\n.leading dot\r\n");
        assertThat(((Body) recorder.frames.get(1)).bodyLength())
                .isEqualTo("Subject: x\r\n\r\n.leading dot\r\n".length());
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void emptyMessageIsJustTheTerminator() {
        open();
        write("DATA\r\n.\r\n");
        assertThat(bodyText(1)).isEmpty();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void doubleDotLineBecomesASingleDotLine() {
        open();
        write("DATA\r\na\r\n..\r\n...\r\nb\r\n.\r\n");
        assertThat(bodyText(1)).isEqualTo("a\r\n.\r\n..\r\nb\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bytesAfterTheTerminatorAreTheNextCommand_rfc2920() {
        open();
        write("DATA\r\nhello\r\n.\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
        assertThat(recorder.frames).hasSize(4);
        assertThat(bodyText(1)).isEqualTo("hello\r\n");
        assertThat(recorder.frames.subList(2, 4)).containsExactly(line("MAIL FROM:<a@b>"), line("RCPT TO:<c@d>"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void lfDotLfNeverEndsData_cve_2023_51764() {
        open();
        write("DATA\r\nhello\n.\nMAIL FROM:<evil@x>\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("hello\r\n.\r\nMAIL FROM:<evil@x>\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void lfDotCrlfNeverEndsData_cve_2023_51764() {
        open();
        write("DATA\r\nhello\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("hello\r\n.\r\nMAIL FROM:<evil@x>\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void crDotCrNeverEndsData_cve_2023_51764() {
        open();
        write("DATA\r\nhello\r.\rMAIL FROM:<evil@x>\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("hello\r.\rMAIL FROM:<evil@x>\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void crlfDotLfNeverEndsData() {
        open();
        write("DATA\r\nhello\r\n.\nMAIL FROM:<evil@x>\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("hello\r\n.\r\nMAIL FROM:<evil@x>\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void crlfDotCrCrlfNeverEndsData() {
        open();
        write("DATA\r\nhello\r\n.\r\r\nx\r\n.\r\n");
        assertThat(recorder.frames).hasSize(2);
        assertThat(bodyText(1)).isEqualTo("hello\r\n\r\r\nx\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bareLfIsNormalisedToCrlfByDefault() {
        open();
        write("DATA\r\na\nb\r\n.\r\n");
        assertThat(bodyText(1)).isEqualTo("a\r\nb\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bareLfIsReportedAfterTheTerminatorInRejectMode() {
        open(512, 1 << 20, true);
        write("DATA\r\na\nb\r\n.\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(line("DATA"), SmtpDecodeError.BARE_LINE_FEED, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void oversizeBodyIsDroppedToTheTerminatorThenReported_rfc5321_4_5_3_1_10() {
        open(512, 100, false);
        StringBuilder big = new StringBuilder("DATA\r\n");
        for (int i = 0; i < 1000; i++) {
            big.append("0123456789\r\n");
        }
        write(big + ".\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(line("DATA"), SmtpDecodeError.MESSAGE_TOO_LARGE, line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void largeBodyStreamsInChunksOfTheChunkSize() {
        open(512, 4 << 20, false);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 99; i++) {
            line.append((char) ('a' + i % 26));
        }
        String l = line + "\r\n";
        write("DATA\r\n");
        int lines = (1 << 20) / l.length();
        for (int i = 0; i < lines; i++) {
            write(l);
        }
        write(".\r\n");
        Body b = (Body) recorder.frames.get(1);
        assertThat(b.bodyLength()).isEqualTo((long) lines * l.length());
        assertThat(b.chunks()).isGreaterThanOrEqualTo(15);
        assertThat(recorder.maxChunk).isLessThanOrEqualTo(SmtpServerDecoder.DEFAULT_CHUNK_SIZE + 2);
        assertThat(new String(b.content(), StandardCharsets.ISO_8859_1).substring(PREFIX.length)).isEqualTo(l.repeat(lines));
        assertThat(decoder.chunkBytes()).isZero();
        assertThat(channel.finish()).isFalse();
    }

    /** RFC 1870: a declared SIZE reserves nothing; the first chunk is allocated at the first body byte. */
    @Test
    void declaredSizeReservesNoMemory_rfc1870() {
        open(512, 30_000_000, false);
        write("MAIL FROM:<a@b> SIZE=25000000\r\n");
        decoder.startData(PREFIX, 30_000_000, 25_000_000, false);
        assertThat(decoder.chunkBytes()).isZero();
        write("x");
        assertThat(decoder.chunkBytes()).isBetween(1, SmtpServerDecoder.DEFAULT_CHUNK_SIZE + 64);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void oversizeBodyAfterChunksWereStreamedIsReportedAndNothingIsLeftHeld() {
        chunkSize = 16;
        open(512, 100, false);
        write("DATA\r\n" + "0123456789\r\n".repeat(50) + ".\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(line("DATA"), SmtpDecodeError.MESSAGE_TOO_LARGE, line("NOOP"));
        assertThat(recorder.chunksBeforeError).isGreaterThan(3);
        assertThat(decoder.chunkBytes()).isZero();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void bodyOfExactlyTheLimitIsAccepted() {
        open(512, 12, false);
        write("DATA\r\n0123456789\r\n.\r\n");
        assertThat(bodyText(1)).isEqualTo("0123456789\r\n");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void eightBitAndUtf8ContentPassByteExact_rfc6152_rfc6531() {
        open();
        byte[] utf8 = "Subject: héllo ✓ 日本\r\n\r\nÄÖÜ € 😀\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] raw = new byte[256 * 2];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (b == '\r' || b == '\n' || b == '.') {
                continue;
            }
            raw[n++] = (byte) b;
        }
        raw[n++] = '\r';
        raw[n++] = '\n';
        byte[] expected = new byte[utf8.length + n];
        System.arraycopy(utf8, 0, expected, 0, utf8.length);
        System.arraycopy(raw, 0, expected, utf8.length, n);
        write("DATA\r\n");
        write(expected);
        write(".\r\n");
        Body body = (Body) recorder.frames.get(1);
        byte[] got = java.util.Arrays.copyOfRange(body.content(), PREFIX.length, body.content().length);
        assertThat(got).isEqualTo(expected);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void utf8CommandLineIsDecodedAsUtf8_rfc6531() {
        open();
        write("MAIL FROM:<jörg@bücher.de> SMTPUTF8\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(recorder.frames).containsExactly(line("MAIL FROM:<jörg@bücher.de> SMTPUTF8"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void authContinuationLineIsEmittedAsAuthResponse_rfc4954_4() {
        open();
        write("AUTH LOGIN\r\ndXNlcg==\r\nNOOP\r\n");
        assertThat(recorder.frames).containsExactly(line("AUTH LOGIN"), new SmtpAuthResponse("dXNlcg=="),
                line("NOOP"));
        assertThat(recorder.frames.get(1).toString()).doesNotContain("dXNlcg");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void pausedDecoderKeepsBytesUntilResumed() {
        open();
        decoder.pause();
        write("NOOP\r\nRSET\r\n");
        assertThat(recorder.frames).isEmpty();
        decoder.resume();
        assertThat(recorder.frames).containsExactly(line("NOOP"), line("RSET"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void pausedDecoderKeepsReadingUntilItsBufferLimitThenStopsTheChannelsReading() {
        open();
        decoder.pause();
        write("NOOP\r\n");
        assertThat(channel.config().isAutoRead()).as("a lock-step pause costs no epoll change").isTrue();
        byte[] flood = new byte[SmtpServerDecoder.PAUSED_BUFFER_LIMIT];
        java.util.Arrays.fill(flood, (byte) 'x');
        write(flood);
        assertThat(channel.config().isAutoRead()).as("a client streaming into a paused session").isFalse();
        assertThat(recorder.frames).isEmpty();
        decoder.resume();
        assertThat(recorder.frames).first().isEqualTo(line("NOOP"));
        channel.finish();
    }

    @Test
    void pausedDecoderDoesNotAskForMoreInputWhenAutoReadIsOff() {
        int[] reads = {0};
        decoder = new SmtpServerDecoder(512);
        recorder = new Recorder(decoder, 1 << 20, false);
        channel = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        }, decoder, recorder);
        channel.config().setAutoRead(false);
        reads[0] = 0;
        decoder.pause();
        write("NOOP\r\n");
        assertThat(reads[0]).isZero();
        decoder.resume();
        assertThat(recorder.frames).containsExactly(line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void discardBufferedDropsPipelinedBytes_rfc3207_4_2() {
        open();
        decoder.pause();
        write("MAIL FROM:<a@b>\r\n");
        decoder.discardBuffered();
        decoder.resume();
        write("EHLO x\r\n");
        assertThat(recorder.frames).containsExactly(line("EHLO x"));
        assertThat(channel.finish()).isFalse();
    }

    /** RFC 2920 / STYLE.md: the same frames whatever the TCP segmentation and chunk size. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {SmtpServerDecoder.DEFAULT_CHUNK_SIZE, 1, 3, 16})
    void pipelinedTransactionGivesTheSameFramesSplitAtEveryOffset(int chunk) {
        chunkSize = chunk;
        String transaction = "EHLO client.example\r\nMAIL FROM:<a@example.com> SIZE=100\r\n"
                + "RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n"
                + "Subject: t\r\n\r\n..stuffed\r\nbare\nlf\r\nend\r.\r\n.\r\nQUIT\r\n";
        byte[] bytes = transaction.getBytes(StandardCharsets.US_ASCII);
        open();
        write(bytes);
        List<Object> reference = List.copyOf(recorder.frames);
        String referenceBody = bodyText(5);
        assertThat(referenceBody).isEqualTo("Subject: t\r\n\r\n.stuffed\r\nbare\r\nlf\r\nend\r.\r\n");
        assertThat(reference).hasSize(7);
        assertThat(channel.finish()).isFalse();
        for (int split = 1; split < bytes.length; split++) {
            for (int second = split; second <= bytes.length; second += Math.max(1, bytes.length / 7)) {
                open();
                write(java.util.Arrays.copyOfRange(bytes, 0, split));
                write(java.util.Arrays.copyOfRange(bytes, split, second));
                if (second < bytes.length) {
                    write(java.util.Arrays.copyOfRange(bytes, second, bytes.length));
                }
                assertThat(recorder.frames).as("split at %d/%d", split, second).hasSize(7);
                for (int i = 0; i < 7; i++) {
                    if (i == 5) {
                        assertThat(bodyText(5)).as("split at %d", split).isEqualTo(referenceBody);
                    } else {
                        assertThat(recorder.frames.get(i)).isEqualTo(reference.get(i));
                    }
                }
                assertThat(channel.finish()).isFalse();
            }
        }
    }

    @Test
    void byteByByteFeedGivesTheSameFrames() {
        String transaction = "MAIL FROM:<a@b>\r\nDATA\r\nx\r\n..\r\n.\r\nNOOP\r\n";
        open();
        for (byte b : transaction.getBytes(StandardCharsets.US_ASCII)) {
            ByteBuf one = Unpooled.buffer(1).writeByte(b);
            channel.writeInbound(one);
        }
        assertThat(recorder.frames).hasSize(4);
        assertThat(bodyText(2)).isEqualTo("x\r\n.\r\n");
        assertThat(recorder.frames.get(3)).isEqualTo(line("NOOP"));
        assertThat(channel.finish()).isFalse();
    }

    /**
     * Random bodies over the bytes that matter ('.', CR, LF, text) decode to the same frames
     * whatever the segmentation, and never end before the real terminator.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {SmtpServerDecoder.DEFAULT_CHUNK_SIZE, 2, 7})
    void randomBodiesDecodeTheSameUnderRandomSegmentation(int chunk) {
        chunkSize = chunk;
        java.util.Random random = new java.util.Random(51764);
        byte[] alphabet = {'.', '.', '\r', '\n', 'a', 'b'};
        for (int round = 0; round < 300; round++) {
            java.io.ByteArrayOutputStream script = new java.io.ByteArrayOutputStream();
            script.writeBytes("DATA\r\n".getBytes(StandardCharsets.US_ASCII));
            int len = random.nextInt(120);
            byte prev2 = '\n';
            byte prev1 = '\n';
            for (int i = 0; i < len; i++) {
                byte b = alphabet[random.nextInt(alphabet.length)];
                // never write a real <CRLF>.<CRLF> by accident: after CRLF '.', no CR
                if (prev2 == '\n' && prev1 == '.' && b == '\r') {
                    b = 'x';
                }
                script.write(b);
                prev2 = prev1;
                prev1 = b;
            }
            if (prev1 == '.') {
                script.write('x'); // "...<CRLF>." + our "<CRLF>" would be a terminator
            }
            script.writeBytes("\r\n.\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] bytes = script.toByteArray();
            open();
            write(bytes);
            List<Object> whole = List.copyOf(recorder.frames);
            assertThat(whole).as("round %d", round).hasSize(3);
            String body = bodyText(1);
            assertThat(channel.finish()).isFalse();
            open();
            int pos = 0;
            while (pos < bytes.length) {
                int n = 1 + random.nextInt(Math.min(8, bytes.length - pos));
                write(java.util.Arrays.copyOfRange(bytes, pos, pos + n));
                pos += n;
            }
            assertThat(recorder.frames).as("round %d", round).hasSize(3);
            assertThat(bodyText(1)).as("round %d", round).isEqualTo(body);
            assertThat(recorder.frames.get(2)).isEqualTo(line("NOOP"));
            assertThat(channel.finish()).isFalse();
            // one byte per read: every CR and LF goes through the state machine one at a time,
            // so this checks the multi-byte fast path (LF search, CR inside a run) against it
            open();
            for (byte b : bytes) {
                write(new byte[] {b});
            }
            assertThat(recorder.frames).as("round %d, byte by byte", round).hasSize(3);
            assertThat(bodyText(1)).as("round %d, byte by byte", round).isEqualTo(body);
            assertThat(channel.finish()).isFalse();
        }
    }
}
