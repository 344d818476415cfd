package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static dev.mailgateway.relay.RelayHarness.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.config.RetryConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay against a scripted, fault-injecting upstream on 127.0.0.1. */
class ScriptedUpstreamRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private ScriptedUpstream upstream() throws Exception {
        ScriptedUpstream u = new ScriptedUpstream();
        closeables.add(u);
        return u;
    }

    private RelayHarness relay(RelayHarness.Settings s) {
        RelayHarness h = new RelayHarness(s);
        closeables.add(h);
        return h;
    }

    private static RelayHarness.Settings settings(ProviderConfig... providers) {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(providers);
        return s;
    }

    @Test
    void deliversOverPipelinedTransactionWithDotStuffingUndoneByUpstream() throws Exception {
        ScriptedUpstream up = upstream();
        RelayHarness h = relay(settings(provider(up.port(), 0)));
        String content = message("Hello", ".leading dot\r\nline\r\n..two dots\r\n.\r\nend\r\n");

        QueueId id = h.send("app@example.com", List.of("a@example.org"), content);

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions).hasSize(1);
        ScriptedUpstream.Txn t = up.transactions.get(0);
        assertThat(t.mailFrom()).isEqualTo("app@example.com");
        assertThat(t.rcpts()).containsExactly("a@example.org");
        // RFC 5321 4.5.2: what the upstream un-stuffs is byte for byte what the spool held
        assertThat(t.body()).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
        List<InMemorySpool.Journal> journal = h.spool.journal(id);
        assertThat(journal).hasSize(1);
        assertThat(journal.get(0).attempt()).isEqualTo(1);
        assertThat(journal.get(0).outcomes()).extracting(RecipientOutcome::reply)
                .containsExactly("250 2.0.0 Ok: queued");
        await(() -> h.metrics.emailsDelivered.getCount() == 1, WAIT, () -> "delivered metric");
        assertThat(h.metrics.recipientsDelivered.getCount()).isEqualTo(1);
        assertThat(h.metrics.processingTime.getCount()).isEqualTo(1);
        assertThat(h.metrics.registry().getTimers()).containsKey(
                "mail_gateway.relay.provider.latency.127.0.0.1:" + up.port());
    }

    @Test
    void ninetyFiveRecipientsGoAsFiveTransactionsOfTwentyWithBatchDelayBetween() throws Exception {
        ScriptedUpstream up = upstream();
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.batchDelay = 100;
        RelayHarness h = relay(s);
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 95; i++) {
            rcpts.add("user" + i + "@example.org");
        }
        long start = System.nanoTime();
        QueueId id = h.send("app@example.com", rcpts, message("News", "hi\r\n"));

        Map<String, DeliveryStatus> finals = h.awaitFinal(id, 95, WAIT);
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(finals.values()).containsOnly(DeliveryStatus.DELIVERED);
        assertThat(up.transactions).extracting(t -> t.rcpts().size()).containsExactly(20, 20, 20, 20, 15);
        assertThat(up.transactions.get(4).rcpts()).first().isEqualTo("user80@example.org");
        assertThat(tookMs).as("four batchDelay pauses of 100 ms").isGreaterThanOrEqualTo(400);
        // one connection, reused for every batch (RSET between)
        assertThat(up.connections.get()).isEqualTo(1);
    }

    @Test
    void greeting421FailsOverToNextProviderAndComesBackAfterBackoff() throws Exception {
        ScriptedUpstream primary = upstream();
        ScriptedUpstream secondary = upstream();
        primary.greeting = c -> "421 4.3.2 busy, try later";
        RelayHarness.Settings s = settings(provider(secondary.port(), 2), provider(primary.port(), 1));
        s.relay = new RelayConfig(2_000, 5, 5, 5, 4, 60, 1); // 1 s back-off
        RelayHarness h = relay(s);

        QueueId first = h.send("app@example.com", List.of("a@example.org"), message("One", "1\r\n"));
        assertThat(h.awaitFinal(first, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(secondary.transactions).hasSize(1);
        assertThat(primary.transactions).isEmpty();
        assertThat(primary.connections.get()).isEqualTo(1);
        assertThat(h.relay.healthCheck().problems()).as("one provider is still up").isEmpty();

        // while the primary is down, traffic stays on the secondary without touching the primary
        QueueId second = h.send("app@example.com", List.of("b@example.org"), message("Two", "2\r\n"));
        h.awaitFinal(second, 1, WAIT);
        assertThat(secondary.transactions).hasSize(2);
        assertThat(primary.connections.get()).isEqualTo(1);

        // after the back-off the primary is tried again and, healthy now, takes the traffic back
        primary.greeting = c -> "220 primary ESMTP";
        Thread.sleep(1_100); // let the 1 s back-off period pass (this is the behaviour under test)
        QueueId third = h.send("app@example.com", List.of("c@example.org"), message("Three", "3\r\n"));
        assertThat(h.awaitFinal(third, 1, WAIT)).containsEntry("c@example.org", DeliveryStatus.DELIVERED);
        assertThat(primary.transactions).hasSize(1);
        assertThat(secondary.transactions).hasSize(2);
    }

    @Test
    void everyProviderDownDefersAndReportsUnhealthy() throws Exception {
        ScriptedUpstream only = upstream();
        only.greeting = c -> c == 1 ? "421 4.3.2 busy" : "220 ok";
        RelayHarness.Settings s = settings(provider(only.port(), 0));
        s.retry = new RetryConfig(3, 1_500, 5_000, 2.0, 0); // even with -20% jitter, after the 1 s back-off
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Down", "x\r\n"));
        await(() -> !h.spool.journal(id).isEmpty(), WAIT, () -> "first attempt");
        RecipientOutcome o = h.spool.journal(id).get(0).outcomes().get(0);
        assertThat(o.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(o.reply()).startsWith("451 4.4.1 no upstream available").contains("421 4.3.2 busy");
        assertThat(h.relay.healthCheck().problems()).singleElement().asString()
                .contains("every upstream provider is down").contains(only.address());
        // the retry after the back-off delivers it
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(h.spool.journal(id)).extracting(InMemorySpool.Journal::attempt).containsExactly(1, 2);
    }

    @Test
    void rcpt451IsRetriedWithBackoffAnd550GoesToFailedStore() throws Exception {
        ScriptedUpstream up = upstream();
        java.util.concurrent.atomic.AtomicInteger tempCalls = new java.util.concurrent.atomic.AtomicInteger();
        up.rcptReply = r -> switch (r) {
            case "bad@example.org" -> "550 5.1.1 <bad@example.org>: no such user";
            case "temp@example.org" -> tempCalls.incrementAndGet() == 1 ? "451 4.2.1 mailbox busy" : "250 2.1.5 Ok";
            default -> "250 2.1.5 Ok";
        };
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(3, 300, 2_000, 2.0, 0);
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com", List.of("ok@example.org", "temp@example.org", "bad@example.org"),
                message("Mixed", "body\r\n"));
        Map<String, DeliveryStatus> finals = h.awaitFinal(id, 3, WAIT);

        assertThat(finals).containsEntry("ok@example.org", DeliveryStatus.DELIVERED)
                .containsEntry("temp@example.org", DeliveryStatus.DELIVERED)
                .containsEntry("bad@example.org", DeliveryStatus.FAILED);
        List<InMemorySpool.Journal> journal = h.spool.journal(id);
        assertThat(journal).hasSize(2);
        assertThat(journal.get(0).attempt()).isEqualTo(1);
        assertThat(journal.get(0).outcomes()).extracting(RecipientOutcome::status)
                .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.DEFERRED, DeliveryStatus.FAILED);
        assertThat(journal.get(1).attempt()).isEqualTo(2);
        assertThat(journal.get(1).outcomes()).extracting(RecipientOutcome::recipient)
                .containsExactly("temp@example.org");
        long gapMs = Duration.between(journal.get(0).at(), journal.get(1).at()).toMillis();
        assertThat(gapMs).as("retry after initialDelayMs 300 minus at most 20% jitter").isGreaterThanOrEqualTo(240);
        // the failed store holds only the failed recipient, with the upstream's reply, before its FAILED was journalled
        List<FailedMessage> stored = h.failed.storedFor(id);
        assertThat(stored).singleElement().satisfies(f -> {
            assertThat(f.to()).containsExactly("bad@example.org");
            assertThat(f.lastError()).isEqualTo("550 5.1.1 <bad@example.org>: no such user");
            assertThat(f.attempts()).isEqualTo(1);
            assertThat(new String(f.content(), StandardCharsets.UTF_8)).contains("Subject: Mixed");
        });
        // the upstream saw the good recipients only
        assertThat(up.transactions).extracting(ScriptedUpstream.Txn::rcpts)
                .containsExactly(List.of("ok@example.org"), List.of("temp@example.org"));
        await(() -> h.metrics.emailsFailed.getCount() == 1, WAIT, () -> "failed metric");
        assertThat(h.metrics.emailsDeferred.getCount()).isEqualTo(1);
        assertThat(h.metrics.recipientsFailed.getCount()).isEqualTo(1);
        assertThat(h.metrics.emailsDelivered.getCount()).as("not every recipient was delivered").isZero();
    }

    @Test
    void temporaryFailureUntilAttemptsRunOutEndsInFailedStore() throws Exception {
        ScriptedUpstream up = upstream();
        up.rcptReply = r -> "452 4.2.2 mailbox full";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(2, 100, 1_000, 2.0, 0);
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com", List.of("full@example.org"), message("Full", "x\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("full@example.org", DeliveryStatus.FAILED);

        assertThat(h.spool.journal(id)).extracting(j -> j.outcomes().get(0).status())
                .containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.FAILED);
        assertThat(h.failed.storedFor(id)).singleElement().satisfies(f -> {
            assertThat(f.attempts()).isEqualTo(2);
            assertThat(f.lastError()).startsWith("452 4.2.2 mailbox full").contains("gave up after 2 attempts");
        });
    }

    @Test
    void connectionDroppedMidDataIsDeferredAndRetried() throws Exception {
        ScriptedUpstream up = upstream();
        up.dropMidData = n -> n == 1;
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Drop", "line\r\n".repeat(100)));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);

        List<InMemorySpool.Journal> journal = h.spool.journal(id);
        assertThat(journal).hasSize(2);
        assertThat(journal.get(0).outcomes().get(0).status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(journal.get(0).outcomes().get(0).reply()).startsWith("451 4.4.2");
        assertThat(up.transactions).hasSize(1);
        assertThat(h.failed.stored).isEmpty();
    }

    @Test
    void stallPastProcessingTimeoutDiscardsConnectionAndRetries() throws Exception {
        ScriptedUpstream up = upstream();
        up.stallAtEndOfData = n -> n == 1;
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.processingTimeout = 1;
        s.retry = new RetryConfig(3, 100, 1_000, 2.0, 0);
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Stall", "x\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);

        List<InMemorySpool.Journal> journal = h.spool.journal(id);
        assertThat(journal.get(0).outcomes().get(0).status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(journal.get(0).outcomes().get(0).reply()).contains("processing timeout of 1s");
        // the stalled connection was closed by the relay, the retry used a new one
        await(() -> up.closedByClient.get() >= 1, WAIT, () -> "stalled connection closed");
        assertThat(up.connections.get()).isEqualTo(2);
    }

    @Test
    void upstreamClosingPooledConnectionBetweenUsesFailsNoMessage() throws Exception {
        ScriptedUpstream up = upstream();
        up.closeOnReuse = true;
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        for (int i = 0; i < 3; i++) {
            QueueId id = h.send("app@example.com", List.of("r" + i + "@example.org"), message("M" + i, "x\r\n"));
            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("r" + i + "@example.org", DeliveryStatus.DELIVERED);
            assertThat(h.spool.journal(id)).singleElement()
                    .satisfies(j -> assertThat(j.attempt()).as("no retry needed").isEqualTo(1));
        }
        assertThat(up.transactions).hasSize(3);
        assertThat(up.connections.get()).isEqualTo(3);
    }

    @Test
    void continueOnErrorFalseDefersRemainingBatchesAfterFirstFailure() throws Exception {
        ScriptedUpstream up = upstream();
        up.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.batchSize = 2;
        s.continueOnError = false;
        s.retry = new RetryConfig(3, 100, 1_000, 2.0, 0);
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com",
                List.of("a@example.org", "bad@example.org", "c@example.org", "d@example.org"), message("Stop", "x\r\n"));
        Map<String, DeliveryStatus> finals = h.awaitFinal(id, 4, WAIT);

        assertThat(finals).containsEntry("bad@example.org", DeliveryStatus.FAILED)
                .containsEntry("c@example.org", DeliveryStatus.DELIVERED);
        List<InMemorySpool.Journal> journal = h.spool.journal(id);
        assertThat(journal.get(0).outcomes()).extracting(RecipientOutcome::status).containsExactly(
                DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.DEFERRED, DeliveryStatus.DEFERRED);
        assertThat(journal.get(0).outcomes().get(2).reply()).contains("continueOnError is false");
        assertThat(journal.get(1).outcomes()).extracting(RecipientOutcome::recipient)
                .containsExactly("c@example.org", "d@example.org");
    }

    @Test
    void messageOverUpstreamSizeLimitFailsWithoutBeingSent() throws Exception {
        ScriptedUpstream up = upstream();
        up.sizeLimit = 200;
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Big", "x".repeat(500) + "\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.FAILED);

        assertThat(h.failed.storedFor(id)).singleElement().satisfies(f ->
                assertThat(f.lastError()).startsWith("552 5.3.4").contains("exceeds the SIZE limit 200"));
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void eightBitContentToUpstreamWithout8BitMimeFailsRatherThanCorrupting() throws Exception {
        ScriptedUpstream up = upstream();
        up.eightBitMime = false;
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        byte[] content = message("Grüße", "Größe\r\n").getBytes(StandardCharsets.UTF_8);
        QueueId id = h.send("app@example.com", List.of("a@example.org"), content, true);
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.FAILED);
        assertThat(h.failed.storedFor(id).get(0).lastError()).startsWith("554 5.6.3").contains("8BITMIME");
        assertThat(up.transactions).isEmpty();
    }

    @Test
    void eightBitContentIsDeclaredWithBody8BitMime() throws Exception {
        ScriptedUpstream up = upstream();
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        byte[] content = message("Grüße", "Größe\r\n").getBytes(StandardCharsets.UTF_8);
        QueueId id = h.send("app@example.com", List.of("a@example.org"), content, true);
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        // RFC 6152 2: the body type is declared on MAIL
        assertThat(up.commands).anyMatch(c -> c.startsWith("MAIL FROM:<app@example.com>") && c.contains("BODY=8BITMIME"));
        assertThat(up.transactions.get(0).body()).isEqualTo(content);
    }

    @Test
    void internationalizedAddressToUpstreamWithoutSmtpUtf8FailsWithClearError() throws Exception {
        ScriptedUpstream up = upstream();
        RelayHarness h = relay(settings(provider(up.port(), 0)));

        QueueId id = h.send("app@example.com", List.of("jörg@example.org"), message("Utf8", "x\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("jörg@example.org", DeliveryStatus.FAILED);
        // RFC 6531 3.4: never downgrade an address silently
        assertThat(h.failed.storedFor(id).get(0).lastError()).startsWith("553 5.6.7").contains("SMTPUTF8");
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void messageWaitingForRetryHoldsNoQueueSlotAndIsCountedInGauge() throws Exception {
        ScriptedUpstream up = upstream();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        up.rcptReply = r -> calls.incrementAndGet() == 1 ? "451 4.3.0 later" : "250 2.1.5 Ok";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(3, 1_000, 5_000, 2.0, 0);
        RelayHarness h = relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Wait", "x\r\n"));
        await(() -> Integer.valueOf(1).equals(h.metrics.gaugeValue(
                dev.mailgateway.core.metrics.GatewayMetrics.RETRY_WAITING)), WAIT, () -> "retry waiting gauge 1");
        assertThat(h.dispatcher.depth()).as("not in any queue while it waits").isZero();
        assertThat(h.spool.finals(id)).isEmpty();

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(h.metrics.gaugeValue(dev.mailgateway.core.metrics.GatewayMetrics.RETRY_WAITING)).isEqualTo(0);
    }
}
