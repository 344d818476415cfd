package dev.mailgateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.testkit.SmtpSinkProcess;
import dev.mailgateway.testkit.SmtpSinkProcessExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #14 point 8: 8-bit MIME mail to an upstream without 8BITMIME (Postfix's smtp-sink -8) is
 * delivered as quoted-printable (RFC 6152 3) instead of failing with 554 5.6.3.
 */
class EightBitToSmtpSinkTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final SmtpSinkProcessExtension sinks = new SmtpSinkProcessExtension();
    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    @Test
    void eightBitMimeIsConvertedToQuotedPrintableForAnUpstreamWithout8BitMime_rfc6152_3() throws Exception {
        SmtpSinkProcess sink = sinks.start("-8");
        RelayHarness harness = relays.relay(RelayHarness.provider(sink.port, 0));
        String text = "Grüße aus Köln, Größe: 3 € = viel\r\n";
        String message = "From: app@example.com\r\nTo: a@example.org\r\nSubject: eight bit\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text;

        QueueId id = harness.send("app@example.com", List.of("a@example.org"),
                message.getBytes(StandardCharsets.UTF_8), true);

        assertThat(harness.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        String dump = sink.awaitFirstDump(WAIT);
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

    /** A message over MessageContent.STREAM_ABOVE streams from the spool: it is converted chunk by chunk. */
    @Test
    void aStreamedEightBitMessageIsConvertedChunkByChunk_rfc6152_3() throws Exception {
        SmtpSinkProcess sink = sinks.start("-8");
        RelayHarness harness = relays.relay(RelayHarness.provider(sink.port, 0));
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 400 * 1024; i++) {
            body.append("Zeile ").append(i).append(": Grüße aus Köln, Größe 3 € – ").append("x".repeat(i % 70)).append("\r\n");
        }
        String text = body.toString();
        String message = "From: app@example.com\r\nTo: a@example.org\r\nSubject: big eight bit\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text;
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isGreaterThan(dev.mailgateway.core.spool.MessageContent.STREAM_ABOVE);

        QueueId id = harness.send("app@example.com", List.of("a@example.org"), bytes, true);

        assertThat(harness.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        String dump = sink.awaitFirstDump(WAIT);
        String received = dump.substring(dump.indexOf("From: app@example.com"));
        assertThat(received.chars()).allMatch(c -> c < 0x80);
        List<String> lines = received.lines().toList();
        assertThat(lines).contains("Content-Transfer-Encoding: quoted-printable", "Subject: big eight bit");
        // smtp-sink dumps lines with LF and ends its dump with an empty line: join the body lines
        // back with CRLF; they must be exactly what converting the whole message at once gives
        List<String> bodyLines = withoutTrailingEmpty(lines.subList(lines.indexOf("") + 1, lines.size()));
        String whole = new String(dev.mailgateway.relay.mime.EightBitDowngrade.convert(bytes), StandardCharsets.US_ASCII);
        List<String> wholeLines = whole.substring(whole.indexOf("\r\n\r\n") + 4).lines().toList();
        assertThat(bodyLines).containsExactlyElementsOf(withoutTrailingEmpty(wholeLines));
        String qp = String.join("\r\n", bodyLines) + "\r\n";
        byte[] decoded = jakarta.mail.internet.MimeUtility.decode(
                new ByteArrayInputStream(qp.getBytes(StandardCharsets.US_ASCII)), "quoted-printable").readAllBytes();
        assertThat(new String(decoded, StandardCharsets.UTF_8)).isEqualTo(text);
    }

    private static List<String> withoutTrailingEmpty(List<String> lines) {
        int n = lines.size();
        while (n > 0 && lines.get(n - 1).isEmpty()) {
            n--;
        }
        return lines.subList(0, n);
    }
}
