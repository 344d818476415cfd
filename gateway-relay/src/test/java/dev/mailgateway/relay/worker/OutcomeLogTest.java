package dev.mailgateway.relay.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeLogTest {

    private static final QueueId ID = QueueId.parse("0J5K2M3N4P5Q6R7S");

    private static SpooledMessage message(String from, List<String> to) {
        return SpooledMessage.fresh(new Envelope(ID, from, to, Instant.EPOCH, "h", "127.0.0.1", "", false, false));
    }

    @Test
    void masksAddressesLikeTheSmtpSession() {
        // #13: one masking rule (LogAddress) for SMTP and relay lines; the domain is lower-cased
        // when masked, as in the SMTP session's lines, and the null sender reads <>
        String line = OutcomeLog.line(message("", List.of("John@Example.ORG")), 1, "local", Duration.ZERO,
                DeliveryStatus.DELIVERED, "250 ok", List.of("John@Example.ORG"), false, null);
        assertThat(line).contains("from=<>, to=<J***@example.org>,");
        line = OutcomeLog.line(message("app@Example.COM", List.of("a@b.c")), 1, "local", Duration.ZERO,
                DeliveryStatus.DELIVERED, "250 ok", List.of("a@b.c"), true, null);
        assertThat(line).contains("from=<app@Example.COM>, to=<a@b.c>,");
    }

    @Test
    void lineHasPostfixStyleFields() {
        String line = OutcomeLog.line(message("app@example.com", List.of("a@example.org")), 2,
                "smtp.example.com:587", Duration.ofMillis(1234), DeliveryStatus.DEFERRED,
                "451 4.2.1 busy", List.of("a@example.org"), true, new OutcomeLog.Headers("Hi \"there\"", "<m@x>"));
        assertThat(line).isEqualTo("0J5K2M3N4P5Q6R7S: from=<app@example.com>, to=<a@example.org>, "
                + "relay=smtp.example.com:587, delay=1.23s, attempt=2, status=deferred (451 4.2.1 busy), "
                + "subject=\"Hi \\\"there\\\"\", message-id=<m@x>");
    }

    @Test
    void longRecipientListsAreCut() {
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            rcpts.add("u" + i + "@x.org");
        }
        String line = OutcomeLog.line(message("", rcpts), 1, "local", Duration.ZERO, DeliveryStatus.DELIVERED,
                "250 ok", rcpts, false, null);
        assertThat(line).contains("from=<>", "<u***@x.org> (+5 more)", "status=sent (250 ok)")
                .doesNotContain("subject");
    }

    @Test
    void readsUnfoldedSubjectAndMessageIdFromHeaderBlockOnly() {
        byte[] content = ("Received: from a\r\n\tby b\r\nSUBJECT: folded\r\n  subject line\r\n"
                + "Message-Id: <abc@example.com>\r\n\r\nSubject: not a header\r\n").getBytes(StandardCharsets.UTF_8);
        assertThat(OutcomeLog.headers(content)).isEqualTo(new OutcomeLog.Headers("folded subject line", "<abc@example.com>"));
        assertThat(OutcomeLog.headers("\r\nSubject: body\r\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new OutcomeLog.Headers(null, null));
    }

    @Test
    void replyWithLineBreaksCannotForgeLogLines() {
        String line = OutcomeLog.line(message("a@b.c", List.of("d@e.f")), 1, "x:25", Duration.ZERO,
                DeliveryStatus.FAILED, "550 no\r\nfake line", List.of("d@e.f"), true, new OutcomeLog.Headers(null, null));
        assertThat(line).doesNotContain("\n").doesNotContain("\r").contains("status=failed (550 no\\x0D\\x0Afake line)");
    }
}
