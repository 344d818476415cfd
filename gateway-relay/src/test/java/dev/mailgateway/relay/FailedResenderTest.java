package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FileFailedStore;
import dev.mailgateway.core.spool.FileSpool;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.core.spool.SpoolingIngress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failed store's paced and periodic re-sends, against the real file store (and the real spool). */
class FailedResenderTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private FileFailedStore store(MessageIngress ingress) {
        FileFailedStore s = new FileFailedStore(dir.resolve("failed"), ingress, metrics);
        toClose.add(s);
        return s;
    }

    private FailedResender resender(FileFailedStore store, MessageIngress ingress) {
        FailedResender r = new FailedResender(store, ingress);
        toClose.add(r);
        return r;
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static FailedMessage failed(QueueId id, byte[] content) {
        return new FailedMessage(id, "sender@example.com", List.of("bad@example.com", "gone@example.com"),
                Instant.parse("2026-11-30T10:00:00Z"), 5, Instant.parse("2026-11-30T10:30:00Z"),
                "550 5.1.1 <bad@example.com>: user unknown", content, true, false);
    }

    /** An ingress whose accept futures the test completes by hand. */
    private static final class ManualIngress implements MessageIngress {
        final ConcurrentLinkedQueue<CompletableFuture<QueueId>> pending = new ConcurrentLinkedQueue<>();
        final List<Envelope> envelopes = new ArrayList<>();
        volatile Admission admission = Admission.OK;

        @Override
        public Admission admission() {
            return admission;
        }

        @Override
        public synchronized CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            envelopes.add(envelope);
            CompletableFuture<QueueId> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }
    }

    @Test
    void retryAllThroughTheRealSpoolRequeuesEveryMessageWithItsId() throws Exception {
        FileSpool spool = new FileSpool(dir.resolve("spool"), new SpoolConfig(true, 0), metrics);
        toClose.add(spool);
        spool.recover();
        Dispatcher dispatcher = new Dispatcher(1, 100);
        SpoolingIngress ingress = new SpoolingIngress(spool, dispatcher, new SpoolConfig(true, 0));
        FileFailedStore store = store(ingress);
        List<QueueId> stored = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            QueueId id = ids.next();
            join(store.store(failed(id, ("message " + i + "\r\n").getBytes(UTF_8))));
            stored.add(id);
        }

        assertThat(join(resender(store, ingress).retryAll())).isEqualTo(3);

        assertThat(store.count()).isZero();
        assertThat(spool.oldest(10)).extracting(SpooledMessage::id).containsExactlyElementsOf(stored);
        assertThat(spool.oldest(10)).allSatisfy(m ->
                assertThat(m.pendingRecipients()).containsExactly("bad@example.com", "gone@example.com"));
        assertThat(join(spool.readContent(stored.get(1)))).isEqualTo("message 1\r\n".getBytes(UTF_8));
        assertThat(dispatcher.depth()).isEqualTo(3);
    }

    @Test
    void retryAllPausesWhileTheIngressRefusesNewMail() throws Exception {
        ManualIngress ingress = new ManualIngress();
        ingress.admission = MessageIngress.Admission.QUEUE_FULL;
        FileFailedStore store = store(ingress);
        join(store.store(failed(ids.next(), "a\r\n".getBytes(UTF_8))));

        assertThat(join(resender(store, ingress).retryAll())).isZero();
        assertThat(ingress.envelopes).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void retryAllSendsOneAtATimeOldestFirst() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId older = ids.next();
        QueueId newer = ids.next();
        join(store.store(failed(newer, "b\r\n".getBytes(UTF_8))));
        join(store.store(failed(older, "a\r\n".getBytes(UTF_8))));

        CompletableFuture<Integer> all = resender(store, ingress).retryAll();

        await(() -> ingress.pending.size() == 1, WAIT, () -> "the first re-send");
        Thread.sleep(100); // the second must not start before the first is answered
        assertThat(ingress.envelopes).extracting(Envelope::id).containsExactly(older);
        ingress.pending.poll().complete(older);
        await(() -> ingress.pending.size() == 1, WAIT, () -> "the second re-send");
        assertThat(ingress.envelopes).extracting(Envelope::id).containsExactly(older, newer);
        ingress.pending.poll().complete(newer);
        assertThat(join(all)).isEqualTo(2);
        assertThat(store.count()).isZero();
    }

    @Test
    void periodicRetryResendsOnItsOwn() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId id = ids.next();
        join(store.store(failed(id, "a\r\n".getBytes(UTF_8))));

        resender(store, ingress).startPeriodicRetry(20);

        await(() -> !ingress.pending.isEmpty(), WAIT, () -> "a periodic re-send");
        ingress.pending.poll().complete(id);
        await(() -> store.count() == 0, WAIT, () -> "the file gone");
        assertThat(dir.resolve("failed").resolve(id + ".json")).doesNotExist();
    }

    @Test
    void periodicRetryReadsItsIntervalAgainBeforeEachWaitSoAReloadApplies() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId first = ids.next();
        join(store.store(failed(first, "a\r\n".getBytes(UTF_8))));
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

        resender(store, ingress).startPeriodicRetry(() -> {
            reads.incrementAndGet();
            return 20;
        });

        await(() -> !ingress.pending.isEmpty(), WAIT, () -> "a periodic re-send");
        ingress.pending.poll().complete(first);
        await(() -> store.count() == 0, WAIT, () -> "the file gone");
        QueueId second = ids.next();
        join(store.store(failed(second, "b\r\n".getBytes(UTF_8))));
        await(() -> !ingress.pending.isEmpty(), WAIT, () -> "the next periodic re-send");
        ingress.pending.poll().complete(second);
        assertThat(reads.get()).as("the interval is read before every wait").isGreaterThanOrEqualTo(2);
    }
}
