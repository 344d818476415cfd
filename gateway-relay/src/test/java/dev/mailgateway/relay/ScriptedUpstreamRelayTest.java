package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static dev.mailgateway.relay.RelayExtension.settings;
import static dev.mailgateway.relay.RelayHarness.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.config.RetryConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.testkit.InMemorySpool;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay against a scripted, fault-injecting upstream on 127.0.0.1. */
class ScriptedUpstreamRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    @Test
    void deliversOverPipelinedTransactionWithDotStuffingUndoneByUpstream() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness h = relays.relay(provider(up.port(), 0));
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
        await(() -> h.relayMetrics.emailsDelivered.getCount() == 1, WAIT, () -> "delivered metric");
        assertThat(h.relayMetrics.recipientsDelivered.getCount()).isEqualTo(1);
        assertThat(h.relayMetrics.processingTime.getCount()).isEqualTo(1);
        assertThat(h.metrics.registry().getTimers()).containsKey(
                "mail_gateway.relay.provider.latency.127.0.0.1:" + up.port());
    }

    @Test
    void ninetyFiveRecipientsGoAsFiveTransactionsOfTwentyWithBatchDelayBetween() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.batchDelay = 100;
        RelayHarness h = relays.relay(s);
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
    void greeting421FailsOverToNextProviderAndFailsBackOnceItsProbeSucceeds() throws Exception {
        ScriptedUpstream primary = relays.upstream();
        ScriptedUpstream secondary = relays.upstream();
        primary.greeting = c -> "421 4.3.2 busy, try later";
        RelayHarness.Settings s = settings(provider(secondary.port(), 2), provider(primary.port(), 1));
        RelayHarness h = relays.relay(s);

        QueueId first = h.send("app@example.com", List.of("a@example.org"), message("One", "1\r\n"));
        assertThat(h.awaitFinal(first, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(secondary.transactions).hasSize(1);
        assertThat(primary.transactions).isEmpty();
        assertThat(h.relay.healthCheck().problems()).as("one provider is still up").isEmpty();
        assertThat(h.relay.providerStates().get(0)).containsEntry("state", "down")
                .containsEntry("address", primary.address());

        // while the primary is down, traffic stays on the secondary
        QueueId second = h.send("app@example.com", List.of("b@example.org"), message("Two", "2\r\n"));
        h.awaitFinal(second, 1, WAIT);
        assertThat(secondary.transactions).hasSize(2);
        assertThat(primary.transactions).isEmpty();

        // a probe (not a message) finds the primary healthy again; traffic fails back to it
        primary.greeting = c -> "220 primary ESMTP";
        await(() -> "up".equals(h.relay.providerStates().get(0).get("state")), WAIT, () -> "primary probed up");
        QueueId third = h.send("app@example.com", List.of("c@example.org"), message("Three", "3\r\n"));
        assertThat(h.awaitFinal(third, 1, WAIT)).containsEntry("c@example.org", DeliveryStatus.DELIVERED);
        assertThat(primary.transactions).hasSize(1);
        assertThat(secondary.transactions).hasSize(2);
    }

    @Test
    void everyProviderDownCostsNoAttemptAndAProbeWakesTheWaitingMessage() throws Exception {
        ScriptedUpstream only = relays.upstream();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        only.greeting = c -> down.get() ? "421 4.3.2 busy" : "220 ok";
        RelayHarness.Settings s = settings(provider(only.port(), 0));
        s.retry = new RetryConfig(1, 100, 100, 1.0, 0); // one attempt only: an uncounted wait must not use it
        RelayHarness h = relays.relay(s);
        try (LogCapture logs = new LogCapture("dev.mailgateway")) {
            QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Down", "x\r\n"));

            assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("every upstream provider is down")
                    .contains(only.address()).contains("421 4.3.2 busy");
            // probes at ~1 s and ~3 s fail; the message sits still meanwhile
            await(() -> only.connections.get() >= 3, WAIT, () -> "two probes");
            assertThat(h.spool.journal(id)).as("no attempt used while the provider is down").isEmpty();
            assertThat(h.failed.stored).isEmpty();
            assertThat(logs.lines()).as("deferral logged once per outage, with the reason")
                    .filteredOn(l -> l.contains(id.value()) && l.contains("status=deferred")).singleElement()
                    .asString().contains("421 4.3.2 busy").contains("waiting for a provider");

            down.set(false);
            long back = System.nanoTime();
            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
            long tookMs = (System.nanoTime() - back) / 1_000_000;
            // the next probe is due within its interval (4 s after two failed probes); then at once
            assertThat(tookMs).as("woken by the probe, not by a back-off of its own").isLessThan(4_000 + 2_000);
            assertThat(h.spool.journal(id)).extracting(InMemorySpool.Journal::attempt).containsExactly(1);
            assertThat(h.relay.healthCheck().problems()).isEmpty();
            assertThat(logs.lines()).anyMatch(l -> l.contains("is up again"));
        }
    }

    @Test
    void messageOlderThanMaxAgeGoesToTheFailedStoreWithoutUsingAttempts() throws Exception {
        ScriptedUpstream only = relays.upstream();
        only.greeting = c -> "421 4.3.2 down for maintenance";
        RelayHarness.Settings s = settings(provider(only.port(), 0));
        s.retry = new RetryConfig(100, 100, 100, 1.0, 0, 2); // retry.maxAgeSec 2
        RelayHarness h = relays.relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Old", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.FAILED);
        FailedMessage fm = h.failed.stored.get(0);
        assertThat(fm.id()).isEqualTo(id);
        assertThat(fm.attempts()).as("no attempt reached the upstream").isZero();
        assertThat(fm.lastError()).contains("451 4.4.1 no upstream available").contains("retry.maxAgeSec 2");
        assertThat(only.transactions).isEmpty();
    }

    @Test
    void forwardHostLocalhostIsResolvedFromEtcHostsWithoutAskingDns() throws Exception {
        ScriptedUpstream up = relays.upstream();
        TinyDnsServer dns = new TinyDnsServer();
        relays.add(dns);
        RelayHarness.Settings s = settings(new ProviderConfig("localhost", up.port(), "", "", false, 0, false));
        s.dnsServer = dns.address();
        RelayHarness h = relays.relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Local", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions).hasSize(1);
        assertThat(dns.queries).as("/etc/hosts answers localhost").isEmpty();
    }

    @Test
    void unresolvableProviderIsDownWithAClearReasonWhileTheNextOneDelivers() throws Exception {
        ScriptedUpstream backup = relays.upstream();
        TinyDnsServer dns = new TinyDnsServer(); // NXDOMAIN for everything: no real DNS is asked
        relays.add(dns);
        ProviderConfig missing = new ProviderConfig("no-such-host.invalid", 25, "", "", false, 0, false);
        RelayHarness.Settings s = settings(missing, provider(backup.port(), 1));
        s.dnsServer = dns.address();
        RelayHarness h = relays.relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Dns", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(backup.transactions).hasSize(1);
        assertThat(dns.queries).contains("no-such-host.invalid");
        Map<String, Object> primary = h.relay.providerStates().get(0);
        assertThat(primary).containsEntry("state", "down");
        assertThat((String) primary.get("reason")).contains("cannot resolve no-such-host.invalid");
        // the lookup is retried by the probe, not by each message: a second message goes straight to the backup
        int asked = dns.queries.size();
        QueueId second = h.send("app@example.com", List.of("b@example.org"), message("Dns2", "x\r\n"));
        assertThat(h.awaitFinal(second, 1, WAIT)).containsEntry("b@example.org", DeliveryStatus.DELIVERED);
        assertThat(h.spool.journal(second)).extracting(InMemorySpool.Journal::attempt).containsExactly(1);
        await(() -> dns.queries.size() > asked, WAIT, () -> "a probe looks the name up again");
    }

    @Test
    void aChangedDnsAnswerIsPickedUpAfterItsTtlWithoutARestart() throws Exception {
        ScriptedUpstream first = relays.upstream(); // 127.0.0.1:p
        ScriptedUpstream second = new ScriptedUpstream(java.net.InetAddress.getByName("127.0.0.2"), first.port());
        relays.add(second);
        first.closeOnReuse = true; // every message needs a new connection, so a new lookup
        second.closeOnReuse = true;
        TinyDnsServer dns = new TinyDnsServer();
        relays.add(dns);
        dns.name = "smarthost.test";
        dns.ttl = 1;
        dns.answer = new byte[] {127, 0, 0, 1};
        RelayHarness.Settings s = settings(new ProviderConfig("smarthost.test", first.port(), "", "", false, 0, false));
        s.dnsServer = dns.address();
        RelayHarness h = relays.relay(s);

        QueueId one = h.send("app@example.com", List.of("a@example.org"), message("Before", "x\r\n"));
        assertThat(h.awaitFinal(one, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(first.transactions).hasSize(1);

        dns.answer = new byte[] {127, 0, 0, 2}; // the record changes
        Thread.sleep(1_500); // let the 1 s TTL of the cached answer pass (the behaviour under test)
        QueueId two = h.send("app@example.com", List.of("b@example.org"), message("After", "x\r\n"));
        assertThat(h.awaitFinal(two, 1, WAIT)).containsEntry("b@example.org", DeliveryStatus.DELIVERED);
        assertThat(second.transactions).as("the new address is used").hasSize(1);
        assertThat(first.transactions).hasSize(1);
        assertThat(dns.queries).filteredOn("smarthost.test"::equals).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aLookupThatHangsNeverStallsTheEventLoopAndTheNextProviderTakesTheMessage() throws Exception {
        ScriptedUpstream backup = relays.upstream();
        TinyDnsServer dns = new TinyDnsServer();
        relays.add(dns);
        dns.silent = true; // a dead name server: the lookup only ends by its 5 s query timeout
        ProviderConfig slow = new ProviderConfig("slow-dns.test", 25, "", "", false, 0, false);
        RelayHarness.Settings s = settings(slow, provider(backup.port(), 1));
        s.dnsServer = dns.address();
        RelayHarness h = relays.relay(s); // one worker on the group's only loop

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Slow", "x\r\n"));
        await(() -> dns.queries.contains("slow-dns.test"), WAIT, () -> "the lookup has started");
        // while the lookup is pending, the relay loop still runs tasks at once (a blocking lookup would hold it)
        for (int i = 0; i < 5; i++) {
            h.group.next().submit(() -> { }).get(2, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(backup.transactions).isEmpty();
            Thread.sleep(200);
        }
        assertThat(h.awaitFinal(id, 1, Duration.ofSeconds(20))).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(backup.transactions).hasSize(1);
        assertThat((String) h.relay.providerStates().get(0).get("reason")).contains("cannot resolve slow-dns.test");
    }

    @Test
    void rcpt451IsRetriedWithBackoffAnd550GoesToFailedStore() throws Exception {
        ScriptedUpstream up = relays.upstream();
        java.util.concurrent.atomic.AtomicInteger tempCalls = new java.util.concurrent.atomic.AtomicInteger();
        up.rcptReply = r -> switch (r) {
            case "bad@example.org" -> "550 5.1.1 <bad@example.org>: no such user";
            case "temp@example.org" -> tempCalls.incrementAndGet() == 1 ? "451 4.2.1 mailbox busy" : "250 2.1.5 Ok";
            default -> "250 2.1.5 Ok";
        };
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(3, 300, 2_000, 2.0, 0);
        RelayHarness h = relays.relay(s);

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
        await(() -> h.relayMetrics.emailsFailed.getCount() == 1, WAIT, () -> "failed metric");
        assertThat(h.relayMetrics.emailsDeferred.getCount()).isEqualTo(1);
        assertThat(h.relayMetrics.recipientsFailed.getCount()).isEqualTo(1);
        assertThat(h.relayMetrics.emailsDelivered.getCount()).as("not every recipient was delivered").isZero();
    }

    @Test
    void temporaryFailureUntilAttemptsRunOutEndsInFailedStore() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.rcptReply = r -> "452 4.2.2 mailbox full";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(2, 100, 1_000, 2.0, 0);
        RelayHarness h = relays.relay(s);

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
        ScriptedUpstream up = relays.upstream();
        up.dropMidData = n -> n == 1;
        RelayHarness h = relays.relay(provider(up.port(), 0));

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
        ScriptedUpstream up = relays.upstream();
        up.stallAtEndOfData = n -> n == 1;
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.processingTimeout = 1;
        s.retry = new RetryConfig(3, 100, 1_000, 2.0, 0);
        RelayHarness h = relays.relay(s);

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
        ScriptedUpstream up = relays.upstream();
        up.closeOnReuse = true;
        RelayHarness h = relays.relay(provider(up.port(), 0));

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
        ScriptedUpstream up = relays.upstream();
        up.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.batchSize = 2;
        s.continueOnError = false;
        s.retry = new RetryConfig(3, 100, 1_000, 2.0, 0);
        RelayHarness h = relays.relay(s);

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
        ScriptedUpstream up = relays.upstream();
        up.sizeLimit = 200;
        RelayHarness h = relays.relay(provider(up.port(), 0));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Big", "x".repeat(500) + "\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.FAILED);

        assertThat(h.failed.storedFor(id)).singleElement().satisfies(f ->
                assertThat(f.lastError()).startsWith("552 5.3.4").contains("exceeds the SIZE limit 200"));
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void eightBitContentToUpstreamWithout8BitMimeFailsRatherThanCorrupting() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.eightBitMime = false;
        RelayHarness h = relays.relay(provider(up.port(), 0));

        byte[] content = message("Grüße", "Größe\r\n").getBytes(StandardCharsets.UTF_8);
        QueueId id = h.send("app@example.com", List.of("a@example.org"), content, true);
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.FAILED);
        assertThat(h.failed.storedFor(id).get(0).lastError()).startsWith("554 5.6.3").contains("8BITMIME");
        assertThat(up.transactions).isEmpty();
    }

    @Test
    void eightBitContentIsDeclaredWithBody8BitMime() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness h = relays.relay(provider(up.port(), 0));

        byte[] content = message("Grüße", "Größe\r\n").getBytes(StandardCharsets.UTF_8);
        QueueId id = h.send("app@example.com", List.of("a@example.org"), content, true);
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        // RFC 6152 2: the body type is declared on MAIL
        assertThat(up.commands).anyMatch(c -> c.startsWith("MAIL FROM:<app@example.com>") && c.contains("BODY=8BITMIME"));
        assertThat(up.transactions.get(0).body()).isEqualTo(content);
    }

    @Test
    void internationalizedAddressToUpstreamWithoutSmtpUtf8FailsWithClearError() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness h = relays.relay(provider(up.port(), 0));

        QueueId id = h.send("app@example.com", List.of("jörg@example.org"), message("Utf8", "x\r\n"));
        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("jörg@example.org", DeliveryStatus.FAILED);
        // RFC 6531 3.4: never downgrade an address silently
        assertThat(h.failed.storedFor(id).get(0).lastError()).startsWith("553 5.6.7").contains("SMTPUTF8");
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void messageWaitingForRetryHoldsNoQueueSlotAndIsCountedInGauge() throws Exception {
        ScriptedUpstream up = relays.upstream();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        up.rcptReply = r -> calls.incrementAndGet() == 1 ? "451 4.3.0 later" : "250 2.1.5 Ok";
        RelayHarness.Settings s = settings(provider(up.port(), 0));
        s.retry = new RetryConfig(3, 1_000, 5_000, 2.0, 0);
        RelayHarness h = relays.relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Wait", "x\r\n"));
        await(() -> Integer.valueOf(1).equals(h.metrics.gaugeValue(
                RelayMetrics.RETRY_WAITING)), WAIT, () -> "retry waiting gauge 1");
        assertThat(h.dispatcher.depth()).as("not in any queue while it waits").isZero();
        assertThat(h.spool.finals(id)).isEmpty();

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(h.metrics.gaugeValue(RelayMetrics.RETRY_WAITING)).isEqualTo(0);
    }
}
