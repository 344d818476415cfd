package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.smtp.SmtpResponseDecoder;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One transaction over an EmbeddedChannel: what goes out in which write, and reply handling. */
class SmtpTransactionTest {

    private static final RelayConfig RC = new RelayConfig(1000, 5, 5, 5, 2, 60, 1);
    private static final UpstreamCapabilities PIPELINING =
            new UpstreamCapabilities(true, true, false, true, false, true, 0, false, false);
    private static final UpstreamCapabilities PLAIN = UpstreamCapabilities.NONE;
    private static final byte[] CONTENT = "Subject: t\r\n\r\n.hi\r\n".getBytes(StandardCharsets.US_ASCII);

    private EmbeddedChannel channel;
    private UpstreamConnection conn;

    private void open(UpstreamCapabilities caps) {
        conn = new UpstreamConnection(new ProviderConfig("127.0.0.1", 25, "", "", false, 0, false), "test");
        channel = new EmbeddedChannel(new SmtpResponseDecoder(4096), conn);
        conn.capabilities(caps);
    }

    private static Envelope envelope(List<String> rcpts) {
        return new Envelope(QueueId.parse("0J5K2M3N4P5Q6R7S"), "app@example.com", rcpts, Instant.EPOCH,
                "h", "127.0.0.1", "", false, false);
    }

    private String nextWrite() {
        ByteBuf b = channel.readOutbound();
        assertThat(b).as("an outbound write").isNotNull();
        try {
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    private void reply(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void rfc2920_envelopeGoesInOneWriteAndBodyInAnother() {
        open(PIPELINING);
        Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org", "b@x.org")), CONTENT,
                List.of("a@x.org", "b@x.org"), RC);

        assertThat(nextWrite()).isEqualTo("MAIL FROM:<app@example.com> SIZE=" + CONTENT.length + "\r\n"
                + "RCPT TO:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\n");
        assertThat((Object) channel.readOutbound()).isNull();
        reply("250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n354 go\r\n");

        // RFC 5321 4.5.2: stuffed body and the end marker in a single write
        assertThat(nextWrite()).isEqualTo("Subject: t\r\n\r\n..hi\r\n.\r\n");
        assertThat(f.isDone()).isFalse();
        reply("250 2.0.0 queued\r\n");

        assertThat(f.isDone()).isTrue();
        BatchResult r = f.getNow();
        assertThat(r.reusable()).isTrue();
        assertThat(r.outcomes()).containsExactly(
                new RecipientOutcome("a@x.org", DeliveryStatus.DELIVERED, "250 2.0.0 queued"),
                new RecipientOutcome("b@x.org", DeliveryStatus.FAILED, "550 5.1.1 no such user"));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void reusedConnectionPipelinesRsetFirst() {
        open(PIPELINING);
        conn.countUse();
        Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org")), CONTENT, List.of("a@x.org"), RC);
        assertThat(nextWrite()).startsWith("RSET\r\nMAIL FROM:<app@example.com>");
        reply("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
        nextWrite();
        reply("250 queued\r\n");
        assertThat(f.getNow().outcomes()).extracting(RecipientOutcome::status).containsExactly(DeliveryStatus.DELIVERED);
        channel.finishAndReleaseAll();
    }

    @Test
    void deadReusedConnectionAsksForAFreshOneWithoutDecidingAnything() {
        open(PIPELINING);
        conn.countUse();
        Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org")), CONTENT, List.of("a@x.org"), RC);
        nextWrite();
        channel.close(); // the upstream had closed it while idle

        assertThat(f.getNow().retryFresh()).isTrue();
        assertThat(f.getNow().outcomes()).isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void repliesSplitAtEveryByteOffsetGiveTheSameOutcome() {
        String replies = "250-2.1.0 sender\r\n250 2.1.0 ok\r\n451 4.2.1 busy\r\n250 2.1.5 ok\r\n354 go\r\n";
        for (int split = 1; split < replies.length(); split++) {
            open(PIPELINING);
            Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org", "b@x.org")), CONTENT,
                    List.of("a@x.org", "b@x.org"), RC);
            nextWrite();
            reply(replies.substring(0, split));
            reply(replies.substring(split));
            nextWrite();
            reply("250 2.0.0 queued\r\n");
            assertThat(f.getNow().outcomes()).as("split at %d", split).containsExactly(
                    new RecipientOutcome("a@x.org", DeliveryStatus.DEFERRED, "451 4.2.1 busy"),
                    new RecipientOutcome("b@x.org", DeliveryStatus.DELIVERED, "250 2.0.0 queued"));
            assertThat(channel.finish()).isFalse();
        }
    }

    @Test
    void withoutPipeliningOneCommandPerRoundTripAndNoDataWhenAllRcptsRejected() {
        open(PLAIN);
        Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org")), CONTENT, List.of("a@x.org"), RC);
        assertThat(nextWrite()).isEqualTo("MAIL FROM:<app@example.com>\r\n");
        reply("250 ok\r\n");
        assertThat(nextWrite()).isEqualTo("RCPT TO:<a@x.org>\r\n");
        reply("550 5.1.1 unknown\r\n");

        assertThat((Object) channel.readOutbound()).as("no DATA without an accepted recipient").isNull();
        assertThat(f.getNow().outcomes()).containsExactly(
                new RecipientOutcome("a@x.org", DeliveryStatus.FAILED, "550 5.1.1 unknown"));
        assertThat(f.getNow().reusable()).isTrue();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void mailRejectedWith4xxDefersTheWholeBatch() {
        open(PIPELINING);
        Future<BatchResult> f = SmtpTransaction.run(conn, envelope(List.of("a@x.org", "b@x.org")), CONTENT,
                List.of("a@x.org", "b@x.org"), RC);
        nextWrite();
        reply("421 4.7.0 slow down\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n");
        assertThat(f.getNow().outcomes()).extracting(RecipientOutcome::status, RecipientOutcome::reply).containsOnly(
                org.assertj.core.groups.Tuple.tuple(DeliveryStatus.DEFERRED, "421 4.7.0 slow down"));
        channel.finishAndReleaseAll();
    }
}
