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
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk errors do not spin (issue #11): with I/O errors injected through a {@link FileChannel}
 * wrapper, no write is acknowledged after the first failure, the writer creates no segment per
 * pending write, logs one line per state change, probes once a second, holds outcome records,
 * and serves again (writing them) once the disk works.
 */
class SpoolDiskErrorTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final List<FileSpool> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        failing.set(false);
        open.forEach(FileSpool::close);
    }

    private FileSpool spool() {
        FileSpool s = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics(),
                FileSpool.DEFAULT_SEGMENT_BYTES, FileSpool.DEFAULT_CACHE_BUDGET,
                FaultyChannel.failingWrites(failing::get));
        open.add(s);
        return s;
    }

    private long segmentCount() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).count();
        }
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void afterAnIoErrorNothingIsAcknowledgedNothingSpinsAndServiceComesBack() throws Exception {
        FileSpool spool = spool();
        spool.recover();
        QueueId before = ids.next();
        join(spool.append(envelope(before, "a@example.org", "b@example.org"), content(before)));

        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(FileSpool.class);
        try {
            failing.set(true);
            QueueId first = ids.next();
            assertThatThrownBy(() -> join(spool.append(envelope(first, "r@example.org"), content(first))))
                    .hasMessageContaining("Input/output error");
            assertThat(spool.writable()).isFalse();
            // a burst of writes while broken: all refused at once, no segment per write
            List<CompletableFuture<SpooledMessage>> burst = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                QueueId id = ids.next();
                burst.add(spool.append(envelope(id, "r@example.org"), content(id)));
            }
            SpoolUpload upload = spool.begin();
            upload.write(io.netty.buffer.Unpooled.wrappedBuffer(new byte[1000]));
            CompletableFuture<SpooledMessage> commit = upload.commit(envelope(ids.next(), "r@example.org"));
            for (CompletableFuture<SpooledMessage> f : burst) {
                assertThatThrownBy(() -> join(f)).hasMessageContaining("not writable");
            }
            assertThatThrownBy(() -> join(commit)).isNotNull();
            // a delivery outcome waits for the disk instead of failing
            CompletableFuture<Void> outcome = spool.recordOutcomes(before, 1, List.of(
                    new RecipientOutcome("a@example.org", DeliveryStatus.DELIVERED, "250")));
            Thread.sleep(2_500); // two or three probes happen meanwhile
            assertThat(outcome).isNotDone();
            assertThat(segmentCount()).as("no segment per pending write or probe").isLessThanOrEqualTo(1);
            long errors = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).count();
            assertThat(errors).as("one line per state change").isEqualTo(1);
            // reads still work for mail already accepted
            assertThat(join(spool.readContent(before))).isEqualTo(content(before));

            failing.set(false);
            assertThat(await(spool::writable, 5_000)).as("writable again after a probe").isTrue();
            join(outcome);
            assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("writable again")).hasSize(1);
            QueueId after = ids.next();
            join(spool.append(envelope(after, "r@example.org"), content(after)));
        } finally {
            SpoolTestSupport.detach(FileSpool.class, logs);
        }
        spool.close();
        failing.set(false);
        FileSpool again = spool();
        List<SpooledMessage> recovered = again.recover();
        assertThat(recovered).extracting(SpooledMessage::id).hasSize(2).contains(before);
        assertThat(recovered.stream().filter(m -> m.id().equals(before)).findFirst().orElseThrow()
                .pendingRecipients()).containsExactly("b@example.org");
    }

    private static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The real thing: the spool on a 4 MiB tmpfs that fills up. Skipped where mount is not permitted. */
    @Test
    void fullTmpfsRefusesMailWithoutSpinningAndRecoversWhenSpaceIsFreed() throws Exception {
        Path mnt = dir.resolve("tmpfs");
        Files.createDirectories(mnt);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()) == 0,
                "mounting a tmpfs is not permitted here");
        try {
            Path filler = mnt.resolve("filler");
            Files.write(filler, new byte[1 << 20]);
            Path spoolDir = mnt.resolve("spool");
            FileSpool spool = new FileSpool(spoolDir, new SpoolConfig(true, 0), new GatewayMetrics());
            try {
                spool.recover();
                List<QueueId> acked = new ArrayList<>();
                ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(FileSpool.class);
                try {
                    byte[] body = new byte[100 * 1024];
                    Throwable firstFailure = null;
                    for (int i = 0; i < 100 && firstFailure == null; i++) {
                        QueueId id = ids.next();
                        try {
                            join(spool.append(envelope(id, "r@example.org"), body));
                            acked.add(id);
                        } catch (Exception e) {
                            firstFailure = e;
                        }
                    }
                    assertThat(firstFailure).as("the tmpfs filled up").isNotNull();
                    for (int i = 0; i < 200; i++) {
                        QueueId id = ids.next();
                        assertThatThrownBy(() -> join(spool.append(envelope(id, "r@example.org"), body)));
                    }
                    Thread.sleep(1_500);
                    assertThat(logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).count())
                            .isEqualTo(1);
                    try (Stream<Path> files = Files.list(spoolDir)) {
                        assertThat(files.filter(p -> p.toString().endsWith(".seg")).count()).isLessThanOrEqualTo(3);
                    }
                    Files.delete(filler); // an operator frees space
                    assertThat(await(spool::writable, 5_000)).isTrue();
                    QueueId after = ids.next();
                    join(spool.append(envelope(after, "r@example.org"), content(after)));
                    acked.add(after);
                } finally {
                    SpoolTestSupport.detach(FileSpool.class, logs);
                }
                spool.close();
                FileSpool again = new FileSpool(spoolDir, new SpoolConfig(true, 0), new GatewayMetrics());
                try {
                    assertThat(again.recover()).extracting(SpooledMessage::id).containsAll(acked);
                } finally {
                    again.close();
                }
            } finally {
                spool.close();
            }
        } finally {
            run("umount", mnt.toString());
        }
    }
}
