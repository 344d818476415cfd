package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.await;
import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.DispatchQueue;
import dev.mailgateway.core.queue.Dispatcher;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's waiting list (issue #12): a message beyond the dispatch window is only a
 * {@link LiveIndex} entry; its envelope is read back from its record, on the spool's thread,
 * when the window takes it, oldest first, also after a restart; a read that fails is tried
 * again (I/O error) or given up loudly with the segment kept aside (a record that no longer
 * verifies), never dropped silently.
 */
class SpoolWaitingListTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final AtomicBoolean failReads = new AtomicBoolean();
    private final List<FileSpool> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        failReads.set(false);
        open.forEach(FileSpool::close);
    }

    private FileSpool spool(long segmentBytes) {
        FileSpool s = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics(), segmentBytes,
                FileSpool.DEFAULT_CACHE_BUDGET, FaultyChannel.failingReads(failReads::get));
        open.add(s);
        return s;
    }

    private static Dispatcher dispatcherOn(FileSpool spool, int window) {
        Dispatcher d = new Dispatcher(1, window);
        d.keepWaitingIn(spool.waitingList());
        return d;
    }

    /** Distinct envelope fields per message (sender, two recipients, DSN), so a mix-up shows. */
    private Envelope envelope(int n) {
        return new Envelope(ids.next(), "sender" + n + "@example.com", List.of("a" + n + "@example.org",
                "b" + n + "@example.org"), Instant.now().truncatedTo(ChronoUnit.MILLIS), "helo" + n, "127.0.0.1",
                n % 2 == 0 ? "" : "user" + n, n % 3 == 0, false,
                new Dsn("HDRS", "env" + n, List.of("SUCCESS", "FAILURE"), List.of("rfc822;a" + n, "")));
    }

    private List<Envelope> appendAndDispatch(FileSpool spool, Dispatcher d, int count) throws Exception {
        SpoolingIngress ingress = new SpoolingIngress(spool, d, new SpoolConfig(true, 0));
        List<Envelope> sent = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            Envelope e = envelope(n);
            sent.add(e);
            ingress.accept(e, content(e.id())).get(10, TimeUnit.SECONDS);
        }
        return sent;
    }

    /** Takes {@code count} messages from the window (loads complete asynchronously), bounded. */
    private static List<SpooledMessage> drain(FileSpool spool, DispatchQueue q, int count, boolean deliver,
            long timeoutMs) throws Exception {
        List<SpooledMessage> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (got.size() < count && System.nanoTime() < deadline) {
            SpooledMessage m = q.poll();
            if (m == null) {
                Thread.sleep(2); // bounded polling of an asynchronous load
                continue;
            }
            got.add(m);
            if (deliver) {
                List<RecipientOutcome> outcomes = new ArrayList<>();
                for (String r : m.pendingRecipients()) {
                    outcomes.add(new RecipientOutcome(r, DeliveryStatus.DELIVERED, "250 ok"));
                }
                spool.recordOutcomes(m.id(), m.attempts() + 1, outcomes).get(10, TimeUnit.SECONDS);
            }
        }
        return got;
    }

    @Test
    void waitingMessagesAreOnlyIndexEntriesAndEnterTheWindowOldestFirstWithTheirEnvelope() throws Exception {
        FileSpool spool = spool(FileSpool.DEFAULT_SEGMENT_BYTES);
        Dispatcher d = dispatcherOn(spool, 3);
        assertThat(spool.recoverInto(d)).isZero();
        List<Envelope> sent = appendAndDispatch(spool, d, 40);

        assertThat(await(() -> spool.oldest(100).size() == 3, 5_000)).isTrue();
        assertThat(d.depth()).isEqualTo(3);
        assertThat(d.overflowSize()).isEqualTo(37);
        assertThat(spool.liveCount()).isEqualTo(40);
        // the 37 waiting ones are not in memory: only the window's envelopes are
        assertThat(spool.oldest(100)).extracting(SpooledMessage::id)
                .containsExactly(sent.get(0).id(), sent.get(1).id(), sent.get(2).id());

        List<SpooledMessage> got = drain(spool, d.queue(0), 40, false, 20_000);
        assertThat(got).extracting(SpooledMessage::envelope).containsExactlyElementsOf(sent);
        for (SpooledMessage m : got) {
            assertThat(m.pendingRecipients()).isEqualTo(m.envelope().recipients());
            // the content of a message that waited is read from its segment (its cache was dropped)
            assertThat(spool.readContent(m.id()).get(10, TimeUnit.SECONDS)).isEqualTo(content(m.id()));
            spool.recordOutcomes(m.id(), 1, m.pendingRecipients().stream()
                    .map(r -> new RecipientOutcome(r, DeliveryStatus.DELIVERED, "250 ok")).toList())
                    .get(10, TimeUnit.SECONDS);
        }
        assertThat(await(() -> spool.liveCount() == 0, 5_000)).isTrue();
        assertThat(d.overflowSize()).isZero();
        assertThat(d.hasCapacity()).isTrue();
    }

    @Test
    void aRestartPutsEveryLiveMessageOnTheWaitingListWithItsAttemptsAndPendingRecipients() throws Exception {
        List<Envelope> sent;
        {
            FileSpool first = spool(FileSpool.DEFAULT_SEGMENT_BYTES);
            Dispatcher d = new Dispatcher(1, 100);
            first.recoverInto(d);
            sent = appendAndDispatch(first, d, 30);
            for (int n = 0; n < 10; n++) {
                Envelope e = sent.get(n);
                first.recordOutcomes(e.id(), 1, List.of(
                        new RecipientOutcome(e.recipients().get(0), DeliveryStatus.DELIVERED, "250 ok"),
                        new RecipientOutcome(e.recipients().get(1), DeliveryStatus.DEFERRED, "451 later")))
                        .get(10, TimeUnit.SECONDS);
            }
            first.recordOutcomes(sent.get(29).id(), 1, List.of(
                    new RecipientOutcome(sent.get(29).recipients().get(0), DeliveryStatus.DELIVERED, "250"),
                    new RecipientOutcome(sent.get(29).recipients().get(1), DeliveryStatus.FAILED, "550")))
                    .get(10, TimeUnit.SECONDS);
            first.close();
            open.remove(first);
        }
        FileSpool again = spool(FileSpool.DEFAULT_SEGMENT_BYTES);
        Dispatcher d = dispatcherOn(again, 4);
        assertThat(again.recoverInto(d)).isEqualTo(29);
        assertThat(again.liveCount()).isEqualTo(29);
        assertThat(await(() -> d.depth() == 4, 5_000)).isTrue();
        assertThat(d.overflowSize()).isEqualTo(25);
        assertThat(again.oldest(100)).hasSize(4);

        List<SpooledMessage> got = drain(again, d.queue(0), 29, true, 20_000);
        assertThat(got).extracting(SpooledMessage::envelope).containsExactlyElementsOf(sent.subList(0, 29));
        for (int n = 0; n < 29; n++) {
            SpooledMessage m = got.get(n);
            if (n < 10) {
                assertThat(m.pendingRecipients()).containsExactly(sent.get(n).recipients().get(1));
                assertThat(m.attempts()).isEqualTo(1);
            } else {
                assertThat(m.pendingRecipients()).isEqualTo(sent.get(n).recipients());
                assertThat(m.attempts()).isZero();
            }
        }
        assertThat(await(() -> again.liveCount() == 0, 5_000)).isTrue();
    }

    @Test
    void anEnvelopeThatCannotBeReadIsTriedAgainAfterABackOffAndThenDelivered() throws Exception {
        FileSpool spool = spool(FileSpool.DEFAULT_SEGMENT_BYTES);
        Dispatcher d = dispatcherOn(spool, 1);
        spool.recoverInto(d);
        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(FileSpool.class);
        try {
            List<Envelope> sent = appendAndDispatch(spool, d, 3);
            assertThat(await(() -> spool.oldest(10).size() == 1 && d.overflowSize() == 2, 5_000)).isTrue();
            failReads.set(true); // EIO on every read from now on
            assertThat(d.queue(0).poll().id()).isEqualTo(sent.get(0).id()); // frees the window: a load starts
            String id1 = sent.get(1).id().value();
            assertThat(await(() -> logs.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().contains("cannot read the envelope of " + id1)
                    && e.getFormattedMessage().contains("trying again in 1000 ms")), 5_000)).isTrue();
            assertThat(d.queue(0).poll()).isNull();
            assertThat(spool.liveCount()).isEqualTo(3); // nothing given up
            failReads.set(false);
            List<SpooledMessage> got = drain(spool, d.queue(0), 2, false, 10_000);
            assertThat(got).extracting(SpooledMessage::envelope).containsExactlyInAnyOrder(sent.get(1), sent.get(2));
            assertThat(d.overflowSize()).isZero();
        } finally {
            SpoolTestSupport.detach(FileSpool.class, logs);
        }
    }

    @Test
    void aRecordThatNoLongerVerifiesIsGivenUpWithAnErrorAndItsSegmentIsKeptAside() throws Exception {
        FileSpool spool = spool(700); // about one message record per segment
        Dispatcher d = dispatcherOn(spool, 1);
        spool.recoverInto(d);
        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(FileSpool.class);
        try {
            List<Envelope> sent = appendAndDispatch(spool, d, 5);
            assertThat(await(() -> d.overflowSize() == 4 && spool.oldest(10).size() == 1, 5_000)).isTrue();
            Envelope victim = sent.get(2);
            flipByteOf(victim.sender()); // its record on disk fails its CRC from now on

            List<SpooledMessage> got = drain(spool, d.queue(0), 4, true, 10_000);
            assertThat(got).extracting(SpooledMessage::envelope)
                    .containsExactly(sent.get(0), sent.get(1), sent.get(3), sent.get(4));
            assertThat(logs.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getFormattedMessage()).contains(victim.id().value()).contains("fails its CRC32C")
                        .contains("kept aside");
            });
            assertThat(await(() -> spool.liveCount() == 0 && d.overflowSize() == 0, 5_000)).isTrue();
            // once it holds no live message its segment is moved aside, never deleted
            assertThat(await(() -> damagedFiles() == 1, 5_000)).isTrue();
        } finally {
            SpoolTestSupport.detach(FileSpool.class, logs);
        }
    }

    private long damagedFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".seg.damaged")).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private void flipByteOf(String text) throws IOException {
        byte[] needle = text.getBytes(UTF_8);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".seg")).toList()) {
                byte[] all = Files.readAllBytes(p);
                for (int i = 0; i + needle.length <= all.length; i++) {
                    if (java.util.Arrays.equals(all, i, i + needle.length, needle, 0, needle.length)) {
                        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                            f.seek(i);
                            f.write(all[i] ^ 0x20);
                        }
                        return;
                    }
                }
            }
        }
        throw new AssertionError("not found on disk: " + text);
    }
}
