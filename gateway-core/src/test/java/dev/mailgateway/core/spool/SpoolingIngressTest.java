package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static dev.mailgateway.core.spool.SpoolTestSupport.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.MessageIngress.Admission;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolingIngressTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private FileSpool spool;

    @AfterEach
    void close() {
        if (spool != null) {
            spool.close();
        }
    }

    private FileSpool spool(SpoolConfig config) {
        spool = new FileSpool(dir.resolve("spool"), config, metrics);
        spool.recover();
        return spool;
    }

    @Test
    void acceptCompletesWithTheIdOnceDurableAndDispatches() throws Exception {
        SpoolConfig config = new SpoolConfig(true, 0);
        Dispatcher dispatcher = new Dispatcher(2, 10);
        SpoolingIngress ingress = new SpoolingIngress(spool(config), dispatcher, config);
        QueueId id = ids.next();

        assertThat(ingress.admission()).isEqualTo(Admission.OK);
        assertThat(ingress.accept(envelope(id, "r@example.com"), content(id)).get(10, TimeUnit.SECONDS)).isEqualTo(id);

        assertThat(spool.liveCount()).isEqualTo(1);
        assertThat(dispatcher.depth()).isEqualTo(1);
    }

    @Test
    void aFullDispatchWindowDoesNotRefuseMailThatWaitsOldestFirst() throws Exception {
        SpoolConfig config = new SpoolConfig(true, 0, 1_000, 30);
        Dispatcher dispatcher = new Dispatcher(1, 2); // queueSize 2: the in-memory window
        SpoolingIngress ingress = new SpoolingIngress(spool(config), dispatcher, config);
        List<QueueId> accepted = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            assertThat(ingress.admission()).isEqualTo(Admission.OK);
            QueueId id = ids.next();
            accepted.add(ingress.accept(envelope(id, "r@example.com"), content(id)).get(10, TimeUnit.SECONDS));
        }
        assertThat(dispatcher.depth()).isEqualTo(2);
        assertThat(dispatcher.overflowSize()).isEqualTo(4);

        List<QueueId> polled = new ArrayList<>();
        SpooledMessage m;
        for (int i = 0; i < 10 && (m = dispatcher.queue(0).poll()) != null; i++) {
            polled.add(m.id()); // each poll lets the oldest waiting message into the window
        }
        assertThat(polled).containsExactlyElementsOf(accepted);
        assertThat(dispatcher.overflowSize()).isZero();
    }

    @Test
    void spoolMaxMessagesUndeliveredAnswersQueueFullUntilOutcomesFreeRoom() throws Exception {
        SpoolConfig config = new SpoolConfig(true, 0, 2, 30); // spool.maxMessages 2
        Dispatcher dispatcher = new Dispatcher(1, 1);
        SpoolingIngress ingress = new SpoolingIngress(spool(config), dispatcher, config);
        List<QueueId> accepted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            QueueId id = ids.next();
            accepted.add(ingress.accept(envelope(id, "r@example.com"), content(id)).get(10, TimeUnit.SECONDS));
        }
        assertThat(ingress.admission()).isEqualTo(Admission.QUEUE_FULL);

        // a transaction already past MAIL FROM when the bound was reached is still accepted
        QueueId inFlight = ids.next();
        accepted.add(ingress.accept(envelope(inFlight, "r@example.com"), content(inFlight)).get(10, TimeUnit.SECONDS));
        assertThat(dispatcher.overflowSize()).isEqualTo(2);
        assertThat(ingress.admission()).isEqualTo(Admission.QUEUE_FULL);

        SpooledMessage m;
        for (int i = 0; i < 10 && (m = dispatcher.queue(0).poll()) != null; i++) {
            assertThat(m.id()).isEqualTo(accepted.get(i));
            spool.recordOutcomes(m.id(), 1, List.of(new dev.mailgateway.core.model.RecipientOutcome(
                    "r@example.com", dev.mailgateway.core.model.DeliveryStatus.DELIVERED, "250 ok")))
                    .get(10, TimeUnit.SECONDS);
        }
        assertThat(spool.liveCount()).isZero();
        assertThat(ingress.admission()).isEqualTo(Admission.OK);
    }

    @Test
    void freeDiskUnderTheThresholdAnswersDiskLowAndDegradesHealth() {
        SpoolConfig config = new SpoolConfig(true, Long.MAX_VALUE / 2); // more than any disk
        SpoolingIngress ingress = new SpoolingIngress(spool(config), new Dispatcher(1, 4), config);

        assertThat(ingress.admission()).isEqualTo(Admission.DISK_LOW);
        assertThat(new SpoolHealthCheck(spool, config).problems())
                .singleElement().asString().contains("under spool.minFreeDiskMb");
        SpoolConfig relaxed = new SpoolConfig(true, 0);
        assertThat(new SpoolHealthCheck(spool, relaxed).problems()).isEmpty();
    }

    @Test
    void shutdownOrAClosedSpoolAnswersUnavailable() throws Exception {
        SpoolConfig config = new SpoolConfig(false, 0);
        SpoolingIngress ingress = new SpoolingIngress(spool(config), new Dispatcher(1, 4), config);
        ingress.shutdown();
        assertThat(ingress.admission()).isEqualTo(Admission.UNAVAILABLE);
        // a transaction already in DATA still gets its message spooled
        QueueId id = ids.next();
        assertThat(ingress.accept(envelope(id, "r@example.com"), content(id)).get(10, TimeUnit.SECONDS)).isEqualTo(id);

        SpoolingIngress other = new SpoolingIngress(spool, new Dispatcher(1, 4), config);
        spool.close();
        assertThat(other.admission()).isEqualTo(Admission.UNAVAILABLE);
    }
}
