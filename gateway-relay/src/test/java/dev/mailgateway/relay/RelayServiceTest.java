package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static dev.mailgateway.relay.RelayHarness.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Service-level behaviour: concurrency, shutdown, reload. */
class RelayServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    @Test
    void manyMessagesShareAtMostPoolMaxConnectionsPerWorker() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(up.port(), 0));
        s.workers = 2;
        s.relay = new RelayConfig(2_000, 5, 5, 5, 3, 60, 1);
        RelayHarness h = relays.relay(s);

        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(h.send("app@example.com", List.of("r" + i + "@example.org"), message("M" + i, "body\r\n")));
        }
        for (QueueId id : ids) {
            assertThat(h.awaitFinal(id, 1, WAIT)).containsValue(DeliveryStatus.DELIVERED);
        }
        assertThat(up.transactions).hasSize(200);
        assertThat(up.connections.get()).as("2 workers x poolMaxPerUpstream 3").isLessThanOrEqualTo(6);
        await(() -> h.relayMetrics.emailsDelivered.getCount() == 200, WAIT, () -> "200 delivered");
        await(() -> ((Number) h.metrics.gaugeValue("relay.pool.open")).intValue() > 0, WAIT, () -> "pool gauge");
        assertThat(h.metrics.gaugeValue(RelayMetrics.RETRY_WAITING)).isEqualTo(0);
    }

    @Test
    void shutdownLetsInFlightDeliveryFinishAndStopsPolling() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.endOfDataDelayMs = 300;
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(up.port(), 0));
        RelayHarness h = relays.relay(s);

        QueueId inFlight = h.send("app@example.com", List.of("a@example.org"), message("InFlight", "x\r\n"));
        await(() -> up.commands.contains("DATA"), WAIT, () -> "DATA sent");
        CompletableFuture<Void> stopped = h.relay.shutdown(Duration.ofSeconds(5));
        QueueId late = h.send("app@example.com", List.of("b@example.org"), message("Late", "x\r\n"));

        stopped.get(5, TimeUnit.SECONDS);
        assertThat(h.spool.finals(inFlight)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(h.spool.journal(late)).as("not polled after stop: stays in the spool").isEmpty();
        assertThat(h.dispatcher.depth()).isEqualTo(1);
    }

    @Test
    void shutdownAfterGraceLeavesUnfinishedMessageInSpoolWithoutJournal() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.stallAtEndOfData = n -> true;
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(up.port(), 0));
        RelayHarness h = relays.relay(s);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Stuck", "x\r\n"));
        await(() -> up.commands.contains("DATA"), WAIT, () -> "DATA sent");
        long start = System.nanoTime();
        h.relay.shutdown(Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);

        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
        assertThat(h.spool.journal(id)).isEmpty();
        await(() -> up.closedByClient.get() == 1, WAIT, () -> "connection closed");
    }

    @Test
    void reloadedProvidersApplyToTheNextMessage() throws Exception {
        ScriptedUpstream first = relays.upstream();
        ScriptedUpstream second = relays.upstream();
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(first.port(), 0));
        RelayHarness h = relays.relay(s);

        QueueId one = h.send("app@example.com", List.of("a@example.org"), message("One", "x\r\n"));
        h.awaitFinal(one, 1, WAIT);
        s.providers = List.of(provider(second.port(), 0));
        GatewayConfig reloaded = s.build();
        h.live.replace(reloaded); // what SIGHUP does
        QueueId two = h.send("app@example.com", List.of("b@example.org"), message("Two", "x\r\n"));
        h.awaitFinal(two, 1, WAIT);

        assertThat(first.transactions).hasSize(1);
        assertThat(second.transactions).hasSize(1);
    }
}
