package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * RFC 2920 through decoder and handler together: two whole pipelined transactions give the
 * same replies and the same messages whatever the TCP segmentation, including the paused
 * reading while each message is being spooled.
 */
class SmtpServerHandlerSplitTest {

    private static final String SCRIPT = "EHLO c.example\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n"
            + "Subject: one\r\n\r\n..dot\r\nbody\r\n.\r\n"
            + "MAIL FROM:<a@b.c> BODY=8BITMIME\r\nRCPT TO:<g@h.i>\r\nRCPT TO:<bad\r\nDATA\r\nsecond ü\r\n.\r\nQUIT\r\n";

    private final List<byte[]> bodies = new ArrayList<>();

    /** Completes at once (on the calling thread): the handler must still hop via its loop. */
    private final MessageIngress ingress = new MessageIngress() {
        @Override
        public Admission admission() {
            return Admission.OK;
        }

        @Override
        public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            String s = new String(content, StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n", s.indexOf(";\r\n\t") + 3) + 2;
            bodies.add(Arrays.copyOfRange(content, end, content.length));
            return CompletableFuture.completedFuture(envelope.id());
        }
    };

    private final SmtpServerContext context = new SmtpServerContext(new LiveConfig(ConfigLoader.fromJson(
            "{\"security\": {\"requireAuth\": false}, \"smtp\": {\"hostname\": \"mx.test\"}}")), ingress,
            new GatewayMetrics(), new QueueIdGenerator(), null);

    private String run(List<byte[]> segments) {
        SmtpServerDecoder decoder = new SmtpServerDecoder(context.maxLineLength);
        EmbeddedChannel ch = new EmbeddedChannel(decoder, new SmtpServerHandler(context, decoder));
        StringBuilder replies = new StringBuilder();
        for (byte[] segment : segments) {
            ch.writeInbound(Unpooled.wrappedBuffer(segment));
            for (int i = 0; i < 10; i++) {
                ch.runPendingTasks(); // spool completions hop back to the loop as tasks
            }
            for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
                replies.append(b.toString(StandardCharsets.UTF_8));
                b.release();
            }
        }
        ch.finishAndReleaseAll();
        return replies.toString().replaceAll("queued as [0-9A-Z]{16}", "queued as ID");
    }

    @Test
    void sameRepliesAndMessagesSplitAtEveryOffset() {
        byte[] script = SCRIPT.getBytes(StandardCharsets.UTF_8);
        String reference = run(List.of(script));
        assertThat(reference).isEqualTo("220 mx.test ESMTP ready\r\n"
                + "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250 DSN\r\n"
                + "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
                + "250 2.0.0 Ok: queued as ID\r\n"
                + "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n"
                + "501 5.1.3 Bad recipient address syntax: missing closing angle bracket\r\n"
                + "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as ID\r\n221 2.0.0 Bye\r\n");
        List<byte[]> referenceBodies = List.copyOf(bodies);
        assertThat(new String(referenceBodies.get(0), StandardCharsets.UTF_8)).isEqualTo("Subject: one\r\n\r\n.dot\r\nbody\r\n");
        assertThat(new String(referenceBodies.get(1), StandardCharsets.UTF_8)).isEqualTo("second ü\r\n");
        for (int split = 1; split < script.length; split++) {
            bodies.clear();
            String got = run(List.of(Arrays.copyOfRange(script, 0, split),
                    Arrays.copyOfRange(script, split, script.length)));
            assertThat(got).as("split at %d", split).isEqualTo(reference);
            assertThat(bodies).as("split at %d", split).hasSize(2);
            assertThat(bodies.get(0)).isEqualTo(referenceBodies.get(0));
            assertThat(bodies.get(1)).isEqualTo(referenceBodies.get(1));
        }
    }
}
