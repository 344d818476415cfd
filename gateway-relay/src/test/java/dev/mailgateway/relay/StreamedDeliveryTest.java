package dev.mailgateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery streams from the spool (issue #11): a message over 256 KiB is read in 64 KiB ranges,
 * dot-stuffed on the way out to a real socket, or copied into its .eml, never read whole.
 */
class StreamedDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path emails;

    /** ~1.5 MB of CRLF lines, every seventh starting with a dot, some 8-bit bytes. */
    private static byte[] bigMessage() {
        Random r = new Random(11);
        StringBuilder sb = new StringBuilder("Received: from client.test by gateway\r\nSubject: big\r\n\r\n");
        for (int i = 0; sb.length() < 1_500_000; i++) {
            if (i % 7 == 0) {
                sb.append('.');
            }
            for (int j = 0; j < 60 + r.nextInt(30); j++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            sb.append(i % 13 == 0 ? "\u00e9\r\n" : "\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void largeMessageIsRelayedFromTheSpoolInChunksByteExact() throws Exception {
        ScriptedUpstream upstream = new ScriptedUpstream();
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(RelayHarness.provider(upstream.port(), 0));
        // the scripted upstream reads its socket a byte per system call: give DATA time under load
        s.relay = new dev.mailgateway.core.config.RelayConfig(2_000, 5, 5, 60, 4, 60, 1);
        try (upstream; RelayHarness h = new RelayHarness(s)) {
            h.spool.reportLengths = true;
            byte[] content = bigMessage();
            QueueId id = h.send("app@example.com", List.of("a@example.org"), content, true);
            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
            assertThat(upstream.transactions).singleElement().satisfies(t -> assertThat(t.body()).isEqualTo(content));
            assertThat(h.spool.rangedReads.get()).as("read in 64 KiB ranges")
                    .isGreaterThanOrEqualTo(content.length / 65536);
        }
    }

    @Test
    void largeMessageIsWrittenToItsEmlFileInChunksByteExact() throws Exception {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.forward = false;
        s.emailsDir = emails.toString();
        try (RelayHarness h = new RelayHarness(s)) {
            h.spool.reportLengths = true;
            byte[] content = bigMessage();
            QueueId id = h.send("app@example.com", List.of("a@example.org"), content, false);
            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
            assertThat(Files.readAllBytes(emails.resolve("local").resolve(id + ".eml"))).isEqualTo(content);
            assertThat(h.spool.rangedReads.get()).isGreaterThanOrEqualTo(content.length / 65536);
        }
    }

    @Test
    void contentThatCannotBeReadIsRetriedOnTheBackOffNotStranded() throws Exception {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.forward = false;
        s.emailsDir = emails.toString();
        try (RelayHarness h = new RelayHarness(s); LogCapture log = new LogCapture("dev.mailgateway.relay")) {
            byte[] content = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
            QueueId id = h.send("app@example.com", List.of("a@example.org"), content, false);
            h.spool.unreadable.add(id);
            // it may have been read before the flag was set; send a second one that is unreadable from the start
            QueueId second = new dev.mailgateway.core.model.QueueIdGenerator().next();
            h.spool.unreadable.add(second);
            dev.mailgateway.core.model.Envelope env = new dev.mailgateway.core.model.Envelope(second, "app@example.com",
                    List.of("b@example.org"), java.time.Instant.now(), "client.test", "127.0.0.1", "", false, false);
            h.dispatcher.dispatch(h.spool.add(env, content));
            RelayHarness.await(() -> log.lines().stream().anyMatch(l -> l.contains(second.value())
                    && l.contains("cannot read its content") && l.contains("trying again")), WAIT, () -> "a WARN");
            h.spool.unreadable.clear(); // the disk works again: the next try delivers it
            assertThat(h.awaitFinal(second, 1, WAIT)).containsEntry("b@example.org", DeliveryStatus.DELIVERED);
            assertThat(Files.readAllBytes(emails.resolve("local").resolve(second + ".eml"))).isEqualTo(content);
        }
    }
}
