package dev.mailgateway.relay.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.testkit.TrackingAllocator;
import dev.mailgateway.relay.client.SmtpCodes;
import dev.mailgateway.relay.client.UpstreamCapabilities;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.handler.codec.smtp.SmtpResponseDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of how the relay client reads an upstream's replies: the
 * pipeline's {@link SmtpResponseDecoder} (as {@code UpstreamConnector} builds it, 4096-octet
 * lines), then what the client does with each reply: {@link UpstreamCapabilities#parse},
 * {@link SmtpCodes#statusOf}, {@link SmtpCodes#text} and the outcome log line. The upstream is
 * as untrusted as any client. Seeds: {@code src/test/resources/dev/mailgateway/relay/worker/
 * UpstreamReplyFuzzTestInputs/}; docs/testing.md.
 *
 * <p>Invariants: a malformed reply surfaces only as a {@link DecoderException} (which
 * {@code UpstreamConnection} turns into a closed connection and a deferral), never as another
 * exception; codes are three digits; a declared SIZE is never negative; the outcome log line
 * built from a reply holds no CR, LF or other control character; no buffer is leaked.
 */
class UpstreamReplyFuzzTest {

    private static final SpooledMessage MESSAGE = SpooledMessage.fresh(new Envelope(
            QueueId.parse("0J5K2M3N4P5Q6R7S"), "a@b.c", List.of("d@e.f"), Instant.EPOCH, "h", "127.0.0.1",
            "", false, false));

    @FuzzTest(maxDuration = "3m")
    void replies(FuzzedDataProvider data) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new SmtpResponseDecoder(4096));
        List<ByteBuf> inputs = new ArrayList<>();
        try {
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                byte[] chunk = data.consumeBytes(data.consumeInt(1, 300));
                if (chunk.length == 0) {
                    break;
                }
                ByteBuf in = Unpooled.wrappedBuffer(chunk);
                inputs.add(in);
                if (!decoded(() -> {
                    ch.writeInbound(in);
                    ch.checkException();
                })) {
                    decoded(ch::close); // what UpstreamConnection.exceptionCaught does
                }
                for (Object o; (o = ch.readInbound()) != null; ) {
                    check((SmtpResponse) o);
                }
            }
        } finally {
            decoded(ch::finishAndReleaseAll); // decodeLast may find a partial reply: malformed too
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("an input buffer was not released").isZero();
        }
        alloc.assertAllReleased();
    }

    /** Runs {@code step}; false when it met a malformed reply (DecoderException, the only kind allowed). */
    private static boolean decoded(Runnable step) {
        try {
            step.run();
            return true;
        } catch (DecoderException malformed) {
            return false;
        }
    }

    private static void check(SmtpResponse reply) {
        assertThat(reply.code()).isBetween(0, 999);
        DeliveryStatus status = SmtpCodes.statusOf(reply.code());
        assertThat(status).isNotNull();
        UpstreamCapabilities caps = UpstreamCapabilities.parse(reply);
        assertThat(caps.maxSize()).isNotNegative();
        String text = SmtpCodes.text(reply);
        String line = OutcomeLog.line(MESSAGE, 1, "x:25", Duration.ZERO, status, text, List.of("d@e.f"), true,
                new OutcomeLog.Headers(null, null));
        assertThat(line.chars()).noneMatch(c -> c < 0x20 || c == 0x7f);
    }
}
