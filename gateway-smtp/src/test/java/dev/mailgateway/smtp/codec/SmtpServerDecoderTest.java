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

    /**
     * Stands in for the handler: records frames and, like the real one, switches the decoder
     * into DATA after a "DATA" line and into AUTH_LINE after "AUTH".
     */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<SmtpFrame> frames = new ArrayList<>();
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

    private void open(int maxLine, long maxBody, boolean rejectBareLf) {
        decoder = new SmtpServerDecoder(maxLine);
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
        SmtpMessageBody b = (SmtpMessageBody) recorder.frames.get(index);
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
        assertThat(((SmtpMessageBody) recorder.frames.get(1)).bodyLength())
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
        SmtpMessageBody body = (SmtpMessageBody) recorder.frames.get(1);
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

    /** RFC 2920 / STYLE.md: the same frames whatever the TCP segmentation. */
    @Test
    void pipelinedTransactionGivesTheSameFramesSplitAtEveryOffset() {
        String transaction = "EHLO client.example\r\nMAIL FROM:<a@example.com> SIZE=100\r\n"
                + "RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n"
                + "Subject: t\r\n\r\n..stuffed\r\nbare\nlf\r\nend\r.\r\n.\r\nQUIT\r\n";
        byte[] bytes = transaction.getBytes(StandardCharsets.US_ASCII);
        open();
        write(bytes);
        List<SmtpFrame> reference = List.copyOf(recorder.frames);
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
    @Test
    void randomBodiesDecodeTheSameUnderRandomSegmentation() {
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
            List<SmtpFrame> whole = List.copyOf(recorder.frames);
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
