package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 point 8: 8-bit MIME mail to an upstream without 8BITMIME (Postfix's smtp-sink -8) is
 * delivered as quoted-printable (RFC 6152 3) instead of failing with 554 5.6.3.
 */
class EightBitToSmtpSinkTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private SmtpSinkProcess sink;
    private RelayHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @Test
    void eightBitMimeIsConvertedToQuotedPrintableForAnUpstreamWithout8BitMime_rfc6152_3() throws Exception {
        assumeTrue(SmtpSinkProcess.installed(), "smtp-sink not installed (apt-get install -y postfix)");
        sink = new SmtpSinkProcess(dir, "-8");
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(RelayHarness.provider(sink.port, 0));
        harness = new RelayHarness(s);
        String text = "Grüße aus Köln, Größe: 3 € = viel\r\n";
        String message = "From: app@example.com\r\nTo: a@example.org\r\nSubject: eight bit\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text;

        QueueId id = harness.send("app@example.com", List.of("a@example.org"),
                message.getBytes(StandardCharsets.UTF_8), true);

        assertThat(harness.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        await(() -> {
            try {
                return !sink.dumps().isEmpty();
            } catch (Exception e) {
                return false;
            }
        }, WAIT, () -> "smtp-sink dump");
        String dump = sink.dumps().get(0);
        assertThat(dump).contains("X-Mail-Args: <app@example.com>").doesNotContain("BODY=8BITMIME");
        String received = dump.substring(dump.indexOf("From: app@example.com"));
        assertThat(received.chars()).allMatch(c -> c < 0x80);
        // smtp-sink dumps lines with LF (its queue-file records), so compare line by line
        List<String> lines = received.lines().toList();
        assertThat(lines).contains("Content-Transfer-Encoding: quoted-printable", "Subject: eight bit");
        String qp = lines.stream().filter(l -> l.startsWith("Gr=C3=BC")).findFirst().orElseThrow();
        byte[] decoded = jakarta.mail.internet.MimeUtility.decode(
                new ByteArrayInputStream(qp.getBytes(StandardCharsets.US_ASCII)), "quoted-printable").readAllBytes();
        assertThat(new String(decoded, StandardCharsets.UTF_8) + "\r\n").isEqualTo(text);
    }
}
