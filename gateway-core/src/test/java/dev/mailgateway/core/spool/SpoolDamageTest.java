package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.await;
import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static dev.mailgateway.core.spool.SpoolTestSupport.envelope;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged segment loses only its damaged records: 200 messages in one segment, one kind of
 * damage each test; every intact record is recovered byte-exact, the log names the unreadable
 * bytes, and the segment is kept aside ({@code .seg.damaged}) once its messages are delivered.
 */
class SpoolDamageTest {

    private static final int COUNT = 200;

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final List<FileSpool> open = new ArrayList<>();
    private final List<QueueId> written = new ArrayList<>();
    /** Where each message's record ends in the segment. */
    private final List<Long> ends = new ArrayList<>();
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void writeSegment() throws Exception {
        FileSpool spool = spool();
        spool.recover();
        for (int i = 0; i < COUNT; i++) {
            QueueId id = ids.next();
            spool.append(envelope(id, "r@example.org"), content(id)).get(10, TimeUnit.SECONDS);
            written.add(id);
            ends.add(Files.size(segment()));
        }
        spool.close();
        open.clear();
        logs = SpoolTestSupport.captureLogs(SegmentScanner.class);
    }

    @AfterEach
    void closeAll() {
        open.forEach(FileSpool::close);
        SpoolTestSupport.detach(SegmentScanner.class, logs);
    }

    private FileSpool spool() {
        FileSpool s = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics());
        open.add(s);
        return s;
    }

    private Path segment() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
        }
    }

    private void overwrite(long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private byte readByte(long at) throws IOException {
        try (FileChannel ch = FileChannel.open(segment(), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            return b.get(0);
        }
    }

    private long startOf(int index) {
        return index == 0 ? SpoolRecords.SEGMENT_HEADER : ends.get(index - 1);
    }

    /** Recovers, checks exactly {@code lost} are missing and the rest come back byte-exact, then delivers all. */
    private void recoversAllBut(Set<Integer> lost) throws Exception {
        FileSpool spool = spool();
        List<SpooledMessage> recovered = spool.recover();
        List<QueueId> expected = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            if (!lost.contains(i)) {
                expected.add(written.get(i));
            }
        }
        assertThat(recovered).extracting(SpooledMessage::id).containsExactlyElementsOf(expected);
        for (QueueId id : expected) {
            assertThat(spool.readContent(id).get(10, TimeUnit.SECONDS)).isEqualTo(content(id));
        }
        assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().matches(".*bytes \\[\\d+, \\d+\\) \\(\\d+ bytes\\) cannot be read.*"));
        // deliver everything: the damaged segment is kept aside, not deleted
        for (QueueId id : expected) {
            spool.recordOutcomes(id, 1, List.of(new RecipientOutcome("r@example.org", DeliveryStatus.DELIVERED,
                    "250"))).get(10, TimeUnit.SECONDS);
        }
        QueueId next = ids.next();
        spool.append(envelope(next, "r@example.org"), content(next)).get(10, TimeUnit.SECONDS);
        Path aside = dir.resolve(Segment.fileName(0) + ".damaged");
        assertThat(await(() -> Files.exists(aside), 10_000)).as("damaged segment kept aside").isTrue();
    }

    @Test
    void flippedByteInOneRecordLosesOnlyThatRecord() throws Exception {
        long at = ends.get(50) - 10; // a content byte of message 50
        overwrite(at, new byte[] {(byte) (readByte(at) ^ 0x20)});
        recoversAllBut(Set.of(50));
    }

    @Test
    void corruptLengthFieldLosesOnlyThatRecord() throws Exception {
        // the length field of message 50 claims far more than is there
        overwrite(startOf(50) + 4, ByteBuffer.allocate(4).putInt(40_000).array());
        recoversAllBut(Set.of(50));
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("bytes [" + startOf(50) + ", "
                + startOf(51) + ")"));
    }

    @Test
    void zeroedPageLosesOnlyTheRecordsInIt() throws Exception {
        long page = 4096 * 3;
        overwrite(page, new byte[4096]);
        Set<Integer> lost = new HashSet<>();
        for (int i = 0; i < COUNT; i++) {
            if (ends.get(i) > page && startOf(i) < page + 4096) {
                lost.add(i);
            }
        }
        assertThat(lost).hasSizeLessThan(40);
        recoversAllBut(lost);
    }

    @Test
    void truncatedTailLosesOnlyTheTornRecord() throws Exception {
        try (FileChannel ch = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            ch.truncate(ends.get(COUNT - 1) - 20);
        }
        recoversAllBut(Set.of(COUNT - 1));
    }

    @Test
    void corruptSegmentHeaderIsScannedForRecords() throws Exception {
        overwrite(0, "XXXXXXXX".getBytes());
        recoversAllBut(Set.of());
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("bad header"));
    }
}
