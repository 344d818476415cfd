package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.await;
import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static dev.mailgateway.core.spool.SpoolTestSupport.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSpoolTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final SpoolMetrics spoolMetrics = new SpoolMetrics(metrics);
    private final List<FileSpool> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(FileSpool::close);
    }

    private FileSpool spool(boolean fsync) {
        return track(new FileSpool(dir, new SpoolConfig(fsync, 0), metrics));
    }

    private FileSpool smallSegments(long segmentBytes) {
        return track(new FileSpool(dir, new SpoolConfig(true, 0), metrics, segmentBytes,
                FileSpool.DEFAULT_CACHE_BUDGET));
    }

    private FileSpool track(FileSpool s) {
        open.add(s);
        return s;
    }

    private FileSpool reopen(FileSpool old) {
        old.close();
        return track(new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics()));
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void appendedMessagesSurviveARestartByteExact() throws Exception {
        FileSpool spool = spool(true);
        assertThat(spool.recover()).isEmpty();
        Envelope small = new Envelope(ids.next(), "", List.of("b@example.com", "c@example.com"),
                java.time.Instant.parse("2026-11-30T12:00:00.123456789Z"), "helo.example", "10.0.0.1",
                "alice", true, true);
        byte[] smallContent = content(small.id());
        Envelope large = envelope(ids.next(), "d@example.com");
        byte[] largeContent = new byte[700_000]; // over the cache limit: read back from disk
        new Random(7).nextBytes(largeContent);
        join(spool.append(small, smallContent.clone()));
        join(spool.append(large, largeContent.clone()));
        assertThat(spool.liveCount()).isEqualTo(2);
        assertThat(join(spool.readContent(large.id()))).isEqualTo(largeContent);

        FileSpool again = reopen(spool);
        List<SpooledMessage> recovered = again.recover();

        assertThat(recovered).containsExactly(SpooledMessage.fresh(small), SpooledMessage.fresh(large));
        assertThat(join(again.readContent(small.id()))).isEqualTo(smallContent);
        assertThat(join(again.readContent(large.id()))).isEqualTo(largeContent);
        assertThat(again.liveCount()).isEqualTo(2);
        assertThat(again.oldest(1)).containsExactly(SpooledMessage.fresh(small));
    }

    @Test
    void concurrentWritersShareFsyncsGroupCommit() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        int threads = 50;
        int perThread = 20;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<SpooledMessage>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        QueueId id = ids.next();
                        futures.add(spool.append(envelope(id, "r@example.com"), content(id)));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.start();
            writers.add(w);
        }
        start.countDown();
        for (Thread w : writers) {
            w.join(10_000);
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        assertThat(futures).hasSize(threads * perThread).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(spoolMetrics.spoolAppends.getCount()).isEqualTo(threads * perThread);
        assertThat(spoolMetrics.spoolFsyncs.getCount()).isPositive().isLessThan(threads * perThread);
        assertThat(spool.liveCount()).isEqualTo(threads * perThread);
    }

    @Test
    void recoveryReturnsOnlyPendingRecipientsWithTheAttemptCount() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        Envelope partial = envelope(ids.next(), "a@example.com", "b@example.com", "c@example.com", "d@example.com");
        Envelope done = envelope(ids.next(), "x@example.com");
        join(spool.append(partial, content(partial.id())));
        join(spool.append(done, content(done.id())));
        join(spool.recordOutcomes(partial.id(), 1, List.of(
                new RecipientOutcome("a@example.com", DeliveryStatus.DELIVERED, "250 2.0.0 Ok"),
                new RecipientOutcome("b@example.com", DeliveryStatus.DEFERRED, "451 4.3.0 later"),
                new RecipientOutcome("c@example.com", DeliveryStatus.FAILED, "550 5.1.1 no such user"))));
        join(spool.recordOutcomes(partial.id(), 2, List.of(
                new RecipientOutcome("b@example.com", DeliveryStatus.DEFERRED, "451 4.3.0 later"))));
        join(spool.recordOutcomes(done.id(), 1, List.of(
                new RecipientOutcome("x@example.com", DeliveryStatus.DELIVERED, "250 2.0.0 Ok"))));
        assertThat(spool.liveCount()).isEqualTo(1);

        List<SpooledMessage> recovered = reopen(spool).recover();

        assertThat(recovered).hasSize(1);
        assertThat(recovered.get(0).id()).isEqualTo(partial.id());
        assertThat(recovered.get(0).pendingRecipients()).containsExactly("b@example.com", "d@example.com");
        assertThat(recovered.get(0).attempts()).isEqualTo(2);
        assertThat(recovered.get(0).envelope()).isEqualTo(partial);
    }

    @Test
    void tornTailIsSkippedWithAWarnAndEarlierMessagesRecover() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        List<QueueId> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.com"), content(id)));
            written.add(id);
        }
        spool.close();
        Path segment = segmentFiles().get(0);
        long size = Files.size(segment);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(size - 20); // crash in the middle of the last record
        }
        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(SegmentScanner.class);
        try {
            FileSpool again = track(new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics()));
            List<SpooledMessage> recovered = again.recover();

            assertThat(recovered).extracting(SpooledMessage::id).containsExactly(written.get(0), written.get(1));
            assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().contains("cannot be read"));
            // the spool goes on writing after a torn tail
            QueueId next = ids.next();
            join(again.append(envelope(next, "r@example.com"), content(next)));
            assertThat(reopen(again).recover()).extracting(SpooledMessage::id)
                    .containsExactly(written.get(0), written.get(1), next);
        } finally {
            SpoolTestSupport.detach(SegmentScanner.class, logs);
        }
    }

    @Test
    void recordWithAFlippedByteIsSkippedAndNeverDelivered() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        List<QueueId> written = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.com"), content(id)));
            written.add(id);
            ends.add(Files.size(segmentFiles().get(0)));
        }
        spool.close();
        Path segment = segmentFiles().get(0);
        long inSecondRecord = ends.get(1) - 10; // a content byte of message 2
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, inSecondRecord);
            b.put(0, (byte) (b.get(0) ^ 0x20));
            b.rewind();
            ch.write(b, inSecondRecord);
        }
        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(SegmentScanner.class);
        try {
            FileSpool again = track(new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics()));
            List<SpooledMessage> recovered = again.recover();

            assertThat(recovered).extracting(SpooledMessage::id).containsExactly(written.get(0), written.get(2));
            assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().contains("cannot be read"));
            assertThat(join(again.readContent(written.get(2)))).isEqualTo(content(written.get(2)));
        } finally {
            SpoolTestSupport.detach(SegmentScanner.class, logs);
        }
    }

    @Test
    void segmentIsDeletedOnceEveryMessageInItIsFinal() throws Exception {
        FileSpool spool = smallSegments(1024); // a few messages per segment
        spool.recover();
        List<QueueId> written = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.com"), content(id)));
            written.add(id);
        }
        assertThat(segmentFiles()).hasSizeGreaterThan(2);
        for (QueueId id : written) {
            join(spool.recordOutcomes(id, 1, List.of(
                    new RecipientOutcome("r@example.com", DeliveryStatus.DELIVERED, "250 ok"))));
        }
        QueueId last = ids.next();
        join(spool.append(envelope(last, "r@example.com"), content(last))); // rolls once more

        assertThat(await(() -> {
            try {
                return segmentFiles().size() == 1;
            } catch (IOException e) {
                return false;
            }
        }, 5000)).as("only the current segment is left").isTrue();
        assertThat(spool.liveCount()).isEqualTo(1);
        assertThat(reopen(spool).recover()).extracting(SpooledMessage::id).containsExactly(last);
    }

    @Test
    void aStragglerIsCopiedForwardSoItsOldSegmentCanGo() throws Exception {
        FileSpool spool = smallSegments(2048);
        spool.recover();
        QueueId straggler = ids.next();
        join(spool.append(envelope(straggler, "fast@example.com", "slow@example.com"), content(straggler)));
        join(spool.recordOutcomes(straggler, 1, List.of(
                new RecipientOutcome("fast@example.com", DeliveryStatus.DELIVERED, "250 ok"),
                new RecipientOutcome("slow@example.com", DeliveryStatus.DEFERRED, "451 later"))));
        Path firstSegment = segmentFiles().get(0);
        for (int i = 0; i < 40; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.com"), content(id)));
            join(spool.recordOutcomes(id, 1, List.of(
                    new RecipientOutcome("r@example.com", DeliveryStatus.DELIVERED, "250 ok"))));
        }

        assertThat(await(() -> !Files.exists(firstSegment), 5000)).isTrue();
        join(spool.recordOutcomes(straggler, 2, List.of(
                new RecipientOutcome("slow@example.com", DeliveryStatus.DEFERRED, "451 later"))));
        assertThat(join(spool.readContent(straggler))).isEqualTo(content(straggler));
        List<SpooledMessage> recovered = reopen(spool).recover();
        assertThat(recovered).extracting(SpooledMessage::id).containsExactly(straggler);
        assertThat(recovered.get(0).pendingRecipients()).containsExactly("slow@example.com");
        assertThat(recovered.get(0).attempts()).isEqualTo(2);
    }

    @Test
    void aReappendedIdReplacesTheEarlierState() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        QueueId id = ids.next();
        join(spool.append(envelope(id, "a@example.com", "b@example.com"), content(id)));
        join(spool.recordOutcomes(id, 3, List.of(
                new RecipientOutcome("a@example.com", DeliveryStatus.DELIVERED, "250 ok"))));
        byte[] resent = "Subject: resent\r\n\r\nagain\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        join(spool.append(envelope(id, "b@example.com"), resent.clone()));
        assertThat(spool.liveCount()).isEqualTo(1);

        List<SpooledMessage> recovered = reopen(spool).recover();
        assertThat(recovered).hasSize(1);
        assertThat(recovered.get(0).pendingRecipients()).containsExactly("b@example.com");
        assertThat(recovered.get(0).attempts()).isZero();
    }

    @Test
    void writeErrorFailsTheAppendAndTheSpoolServesAgainOnceWritesWork() throws Exception {
        // Every append rolls over to a new segment file, so replacing the directory by a plain
        // file makes the next write fail for real (ENOTDIR), even when the tests run as root.
        FileSpool spool = smallSegments(1);
        spool.recover();
        QueueId before = ids.next();
        join(spool.append(envelope(before, "r@example.com"), content(before)));
        Path aside = dir.resolveSibling(dir.getFileName() + "-aside");
        Files.move(dir, aside);
        Files.writeString(dir, "not a directory");

        QueueId refused = ids.next();
        CompletableFuture<SpooledMessage> failed = spool.append(envelope(refused, "r@example.com"), content(refused));
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        assertThat(spool.writable()).isFalse();
        assertThat(spoolMetrics.spoolWriteErrors.getCount()).isEqualTo(1);
        assertThat(new SpoolHealthCheck(spool, new SpoolConfig(true, 0)).problems())
                .anyMatch(p -> p.contains("not writable"));

        Files.delete(dir);
        Files.move(aside, dir);
        assertThat(await(spool::writable, 5000)).as("writable again after the probe").isTrue();
        QueueId after = ids.next();
        join(spool.append(envelope(after, "r@example.com"), content(after)));

        List<SpooledMessage> recovered = reopen(spool).recover();
        assertThat(recovered).extracting(SpooledMessage::id).containsExactly(before, after);
    }

    @Test
    void unknownIdsFailReadsAndClosedSpoolRefusesAppends() throws Exception {
        FileSpool spool = spool(false);
        spool.recover();
        QueueId missing = ids.next();
        assertThatThrownBy(() -> join(spool.readContent(missing)))
                .hasCauseInstanceOf(java.util.NoSuchElementException.class);
        // an outcome for a message that is not live is a no-op
        join(spool.recordOutcomes(missing, 1, List.of(
                new RecipientOutcome("r@example.com", DeliveryStatus.DELIVERED, "250 ok"))));
        spool.close();
        assertThat(spool.writable()).isFalse();
        QueueId late = ids.next();
        assertThatThrownBy(() -> spool.append(envelope(late, "r@example.com"), content(late)).join())
                .isInstanceOf(CompletionException.class);
    }

    @Test
    void aSecondSpoolOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
        FileSpool first = spool(true);
        assertThatThrownBy(() -> new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
        first.close();
        track(new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics())).recover();
    }

    @Test
    void withFsyncOffAppendsAreAcknowledgedWithoutForcing() throws Exception {
        FileSpool spool = spool(false);
        spool.recover();
        List<QueueId> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.com"), content(id)));
            written.add(id);
        }
        assertThat(spoolMetrics.spoolAppends.getCount()).isEqualTo(20);
        assertThat(spoolMetrics.spoolFsyncs.getCount()).isZero();
        assertThat(reopen(spool).recover()).extracting(SpooledMessage::id).containsExactlyElementsOf(written);
    }

    @Test
    void outcomeRecordsAreWrittenAtOnceButForcedWithTheNextAppendOrWithinASecond() throws Exception {
        FileSpool spool = spool(true);
        spool.recover();
        QueueId first = ids.next();
        join(spool.append(envelope(first, "a@example.com", "b@example.com"), content(first)));
        long afterAppend = spoolMetrics.spoolFsyncs.getCount();
        assertThat(afterAppend).isPositive();

        // a delivery outcome costs no fsync of its own: the worst a power cut can do is a redelivery
        join(spool.recordOutcomes(first, 1,
                List.of(new RecipientOutcome("a@example.com", DeliveryStatus.DELIVERED, "250 ok"))));
        assertThat(spoolMetrics.spoolFsyncs.getCount()).isEqualTo(afterAppend);
        // ...but it is written: a clean reopen (no power cut) sees it
        QueueId second = ids.next();
        join(spool.append(envelope(second, "c@example.com"), content(second)));
        assertThat(spoolMetrics.spoolFsyncs.getCount()).isEqualTo(afterAppend + 1);

        // with no append to ride on, the writer forces it once it has waited a second
        join(spool.recordOutcomes(second, 1,
                List.of(new RecipientOutcome("c@example.com", DeliveryStatus.DEFERRED, "451 later"))));
        long beforeIdle = spoolMetrics.spoolFsyncs.getCount();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (spoolMetrics.spoolFsyncs.getCount() == beforeIdle && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(spoolMetrics.spoolFsyncs.getCount()).as("forced by the idle writer").isEqualTo(beforeIdle + 1);

        List<SpooledMessage> recovered = reopen(spool).recover();
        assertThat(recovered).extracting(SpooledMessage::id).containsExactly(first, second);
        assertThat(recovered.get(0).pendingRecipients()).containsExactly("b@example.com");
        assertThat(recovered.get(1).attempts()).isEqualTo(1);
    }

    @Test
    void registersLiveAndDiskGauges() throws Exception {
        FileSpool spool = spool(false);
        spool.recover();
        QueueId id = ids.next();
        join(spool.append(envelope(id, "r@example.com"), content(id)));
        assertThat(metrics.gaugeValue(SpoolMetrics.SPOOL_LIVE)).isEqualTo(1);
        assertThat((Long) metrics.gaugeValue(SpoolMetrics.DISK_FREE_MB)).isPositive();
        assertThat(spool.freeDiskMb()).isPositive();
    }
}
