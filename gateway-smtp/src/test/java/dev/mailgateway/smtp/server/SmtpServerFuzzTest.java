package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.testkit.TrackingAllocator;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import dev.mailgateway.testkit.LoopbackChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing (Jazzer) of the SMTP server: decoder + handler (+ deadlines) on an
 * {@link EmbeddedChannel}, from a loopback peer so AUTH is reachable. The input is a byte
 * stream cut into reads at fuzzer-chosen points; small limits make the limit paths reachable.
 * In the normal build this replays the committed seeds in
 * {@code src/test/resources/dev/mailgateway/smtp/server/SmtpServerFuzzTestInputs/}; see
 * docs/testing.md for fuzzing for a set time.
 *
 * <p>Invariants: no exception reaches the pipeline's end and the handler never needs its
 * "unexpected error" path (421 4.3.0); no buffer is leaked (every buffer the channel allocated,
 * and every input, is released once the channel is closed); every reply line is a valid RFC 5321
 * reply line (4.2: three digits, SP or "-", printable text; 4.5.3.1.5: at most 512 octets with
 * CRLF; continuation lines share the code); a {@code 250 ... queued as} is sent exactly once per
 * message the spool accepted, and only for a transaction within the limits.
 */
class SmtpServerFuzzTest {

    private static final int MAX_SIZE = 2000;
    private static final int MAX_RCPTS = 4;
    private static final Pattern REPLY_LINE = Pattern.compile("[2-5][0-9][0-9]([ -][\\t\\x20-\\x7e]*)?");

    private static final SmtpServerContext CONTEXT = new SmtpServerContext(new LiveConfig(ConfigLoader.fromJson("""
            {"smtp": {"hostname": "mx.fuzz", "authFailureDelayMs": 0, "maxAuthFailures": 1000},
             "limits": {"maxMessageSizeBytes": %d, "maxRecipients": %d},
             "defaultUsername": "user", "defaultPassword": "pass",
             "security": {"requireAuth": false}}""".formatted(MAX_SIZE, MAX_RCPTS))),
            new Ingress(), new GatewayMetrics(), new QueueIdGenerator(), null);

    /** Accepts at once (on the caller's thread; the handler hops back to the loop anyway). */
    static final class Ingress implements MessageIngress {
        final List<Envelope> accepted = new ArrayList<>();
        final List<Integer> sizes = new ArrayList<>();

        @Override
        public Admission admission() {
            return Admission.OK;
        }

        @Override
        public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            accepted.add(envelope);
            sizes.add(content.length);
            return CompletableFuture.completedFuture(envelope.id());
        }
    }


    @FuzzTest(maxDuration = "3m")
    void conversation(FuzzedDataProvider data) throws Exception {
        Ingress ingress = new Ingress();
        SmtpServerContext ctx = new SmtpServerContext(CONTEXT.live, ingress, new GatewayMetrics(),
                CONTEXT.ids, null);
        TrackingAllocator alloc = new TrackingAllocator();
        LoopbackChannel ch = new LoopbackChannel();
        ch.config().setAllocator(alloc);
        SmtpServerDecoder decoder = new SmtpServerDecoder(ctx.maxLineLength);
        ch.pipeline().addLast(new SmtpDeadlines(60, 600), decoder, new SmtpServerHandler(ctx, decoder));
        ch.register();
        List<ByteBuf> inputs = new ArrayList<>();
        StringBuilder replies = new StringBuilder();
        try {
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                int cut = data.consumeInt(1, 600);
                byte[] chunk = data.consumeBytes(cut);
                if (chunk.length == 0) {
                    break; // (an empty wrapped buffer is the shared EMPTY_BUFFER, never released)
                }
                ByteBuf in = Unpooled.wrappedBuffer(chunk);
                inputs.add(in);
                ch.writeInbound(in);
                ch.runPendingTasks(); // spool completions hop back to the loop as tasks
                ch.runPendingTasks();
                drain(ch, replies);
                ch.checkException(); // rethrows anything that reached the end of the pipeline
            }
            ch.finish();
            drain(ch, replies);
        } finally {
            ch.finishAndReleaseAll();
        }
        String all = replies.toString();
        assertThat(all).doesNotContain("421 4.3.0"); // the handler's unexpected-error path
        checkReplies(all);
        int queued = count(all, "250 2.0.0 Ok: queued as ");
        assertThat(queued).as("250 queued vs messages accepted by the spool").isEqualTo(ingress.accepted.size());
        for (int i = 0; i < ingress.accepted.size(); i++) {
            Envelope e = ingress.accepted.get(i);
            assertThat(e.recipients()).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_RCPTS);
            assertThat(e.recipients()).doesNotHaveDuplicates();
            assertThat(ingress.sizes.get(i)).isLessThanOrEqualTo(MAX_SIZE + 1024); // + the Received header
            assertThat(e.sender() + e.recipients()).doesNotContain("\r", "\n", "\u0000");
        }
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(inputs.get(i).refCnt()).as("input buffer %d of %d was not released; replies:%n%s",
                    i, inputs.size(), all).isZero();
        }
        alloc.assertAllReleased();
    }

    private static void drain(EmbeddedChannel ch, StringBuilder replies) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            replies.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
    }

    /** RFC 5321 4.2 / 4.5.3.1.5: every line CRLF-terminated, well-formed, bounded; multi-line replies consistent. */
    static void checkReplies(String all) {
        if (all.isEmpty()) {
            return;
        }
        assertThat(all).endsWith("\r\n");
        String[] lines = all.substring(0, all.length() - 2).split("\r\n", -1);
        String continuing = null;
        for (String line : lines) {
            assertThat(line).doesNotContain("\r", "\n");
            assertThat(line.length() + 2).as("reply line length: %s", line).isLessThanOrEqualTo(512);
            assertThat(REPLY_LINE.matcher(line).matches()).as("not an RFC 5321 reply line: %s", line).isTrue();
            if (continuing != null) {
                assertThat(line).startsWith(continuing);
            }
            continuing = line.length() > 3 && line.charAt(3) == '-' ? line.substring(0, 3) : null;
        }
        assertThat(continuing).as("a multi-line reply without its last line").isNull();
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
