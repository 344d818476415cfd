package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** forwardSMTP false: each message lands in {@code <emailsDir>/local/<id>.eml}, byte for byte. */
class LocalDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path emails;

    private RelayHarness relay(boolean logAll) {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.forward = false;
        s.emailsDir = emails.toString();
        s.workers = 2;
        s.logAllEmails = logAll;
        return new RelayHarness(s);
    }

    @Test
    void writesExactMessageBytesToLocalEmlFile() throws Exception {
        byte[] content = ("Received: from client.test ([127.0.0.1]) by gateway with ESMTP id X\r\n"
                + "From: app@example.com\r\nSubject: Local\r\n\r\n.dot line stays unstuffed\r\nGrüße\r\n")
                .getBytes(StandardCharsets.UTF_8);
        try (RelayHarness h = relay(true); LogCapture log = new LogCapture("dev.mailgateway.relay.delivery")) {
            QueueId id = h.send("app@example.com", List.of("a@example.org", "b@example.org"), content, true);

            assertThat(h.awaitFinal(id, 2, WAIT)).containsValues(DeliveryStatus.DELIVERED)
                    .doesNotContainValue(DeliveryStatus.FAILED);
            Path file = emails.resolve("local").resolve(id + ".eml");
            assertThat(Files.readAllBytes(file)).isEqualTo(content);
            try (Stream<Path> files = Files.list(emails.resolve("local"))) {
                assertThat(files).as("no temp file left behind").containsExactly(file);
            }
            assertThat(h.spool.journal(id)).singleElement().satisfies(j -> {
                assertThat(j.attempt()).isEqualTo(1);
                assertThat(j.outcomes()).extracting(RecipientOutcome::status)
                        .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED);
            });
            await(() -> log.lines().stream().anyMatch(l -> l.contains(id.value())), WAIT, () -> "outcome line");
            assertThat(log.lines()).filteredOn(l -> l.startsWith(id.value())).singleElement().asString()
                    .contains("from=<app@example.com>", "to=<a@example.org>,<b@example.org>", "relay=local",
                            "attempt=1", "status=sent (250 2.0.0", "subject=\"Local\"");
            assertThat(h.relay.healthCheck().problems()).isEmpty();
            await(() -> h.relayMetrics.emailsDelivered.getCount() == 1, WAIT, () -> "delivered metric");
        }
    }

    @Test
    void manyMessagesOverTwoWorkersEachGetTheirFile() throws Exception {
        try (RelayHarness h = relay(false)) {
            QueueId[] ids = new QueueId[50];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = h.send("app@example.com", List.of("r" + i + "@example.org"), "Subject: " + i + "\r\n\r\nbody " + i + "\r\n");
            }
            for (int i = 0; i < ids.length; i++) {
                h.awaitFinal(ids[i], 1, WAIT);
                assertThat(Files.readString(emails.resolve("local").resolve(ids[i] + ".eml")))
                        .isEqualTo("Subject: " + i + "\r\n\r\nbody " + i + "\r\n");
            }
            await(() -> h.relayMetrics.emailsDelivered.getCount() == 50, WAIT, () -> "50 delivered");
        }
    }

    @Test
    void maskedAddressesWithoutSubjectWhenLogAllEmailsIsFalse() throws Exception {
        try (RelayHarness h = relay(false); LogCapture log = new LogCapture("dev.mailgateway.relay.delivery")) {
            QueueId id = h.send("john@example.com", List.of("jane@example.org"), "Subject: secret\r\n\r\nx\r\n");
            h.awaitFinal(id, 1, WAIT);
            await(() -> log.lines().stream().anyMatch(l -> l.startsWith(id.value())), WAIT, () -> "outcome line");
            assertThat(log.lines()).filteredOn(l -> l.startsWith(id.value())).singleElement().asString()
                    .contains("from=<j***@example.com>", "to=<j***@example.org>", "status=sent")
                    .doesNotContain("john", "jane", "secret", "subject=");
        }
    }
}
