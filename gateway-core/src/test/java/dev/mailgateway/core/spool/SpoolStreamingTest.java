package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.await;
import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static dev.mailgateway.core.spool.SpoolTestSupport.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunked write path ({@link Spool#begin()}) and ranged reads, on real files. */
class SpoolStreamingTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final List<FileSpool> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(FileSpool::close);
    }

    private FileSpool spool(long segmentBytes) {
        FileSpool s = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics(), segmentBytes,
                FileSpool.DEFAULT_CACHE_BUDGET);
        open.add(s);
        return s;
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Streams {@code content} in pieces of {@code piece} bytes (pooled direct buffers, like the decoder). */
    private static SpoolUpload upload(Spool spool, byte[] content, int piece) throws Exception {
        SpoolUpload u = spool.begin();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int off = 0; off < content.length; off += piece) {
            int n = Math.min(piece, content.length - off);
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(n);
            b.writeBytes(content, off, n);
            writes.add(u.write(b));
        }
        for (CompletableFuture<Void> w : writes) {
            join(w);
        }
        return u;
    }

    private static byte[] readRanged(Spool spool, QueueId id, int step) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long off = 0; ; ) {
            byte[] part = join(spool.readContent(id, off, step));
            if (part.length == 0) {
                return out.toByteArray();
            }
            out.write(part);
            off += part.length;
        }
    }

    @Test
    void contentStreamedInManyChunksAcrossSegmentsComesBackByteExactAfterARestart() throws Exception {
        FileSpool spool = spool(64 * 1024); // 100 chunks of 7 KiB: about a dozen segments
        spool.recover();
        byte[] content = random(700 * 1024, 1);
        QueueId id = ids.next();
        SpoolUpload u = upload(spool, content, 7 * 1024);
        SpooledMessage m = join(u.commit(envelope(id, "a@example.org", "b@example.org")));

        assertThat(m.id()).isEqualTo(id);
        assertThat(segmentFiles()).hasSizeGreaterThan(5);
        assertThat(spool.contentLength(id)).isEqualTo(content.length);
        assertThat(join(spool.readContent(id))).isEqualTo(content);
        assertThat(readRanged(spool, id, 10_000)).isEqualTo(content);

        spool.close();
        FileSpool again = spool(64 * 1024);
        List<SpooledMessage> recovered = again.recover();
        assertThat(recovered).extracting(SpooledMessage::id).containsExactly(id);
        assertThat(readRanged(again, id, 64 * 1024)).isEqualTo(content);
        // once final, every segment it occupied is reclaimed
        join(again.recordOutcomes(id, 1, List.of(
                new RecipientOutcome("a@example.org", DeliveryStatus.DELIVERED, "250"),
                new RecipientOutcome("b@example.org", DeliveryStatus.DELIVERED, "250"))));
        QueueId later = ids.next();
        join(again.append(envelope(later, "c@example.org"), content(later)));
        assertThat(await(() -> {
            try {
                return segmentFiles().size() <= 2;
            } catch (IOException e) {
                return false;
            }
        }, 10_000)).as("segments of the delivered message deleted").isTrue();
    }

    @Test
    void abandonedUploadLeavesNoLiveRecordAndItsSpaceIsReclaimed() throws Exception {
        FileSpool spool = spool(64 * 1024);
        spool.recover();
        SpoolUpload u = upload(spool, random(300 * 1024, 2), 16 * 1024);
        int segmentsWhileOpen = segmentFiles().size();
        assertThat(segmentsWhileOpen).isGreaterThan(3);
        // a message accepted meanwhile by another connection
        QueueId other = ids.next();
        join(spool.append(envelope(other, "r@example.org"), content(other)));
        u.abort();
        assertThat(spool.liveCount()).isEqualTo(1);
        join(spool.recordOutcomes(other, 1, List.of(
                new RecipientOutcome("r@example.org", DeliveryStatus.DELIVERED, "250"))));
        QueueId last = ids.next();
        join(spool.append(envelope(last, "r@example.org"), content(last)));
        assertThat(await(() -> {
            try {
                return segmentFiles().size() == 1;
            } catch (IOException e) {
                return false;
            }
        }, 10_000)).as("the abandoned bytes' segments are deleted").isTrue();
        spool.close();
        assertThat(spool(64 * 1024).recover()).extracting(SpooledMessage::id).containsExactly(last);
    }

    @Test
    void uploadCommittedAfterACrashWithoutCommitIsNotRecovered() throws Exception {
        FileSpool spool = spool(1 << 20);
        spool.recover();
        upload(spool, random(200 * 1024, 3), 64 * 1024); // never committed: the client went away
        QueueId id = ids.next();
        byte[] small = content(id);
        SpoolUpload done = upload(spool, small, 10);
        join(done.commit(envelope(id, "r@example.org")));
        spool.close();
        FileSpool again = spool(1 << 20);
        assertThat(again.recover()).extracting(SpooledMessage::id).containsExactly(id);
        assertThat(join(again.readContent(id))).isEqualTo(small);
    }

    @Test
    void commitAfterAbortFailsAndAWriteAfterCloseReleasesItsBuffer() throws Exception {
        FileSpool spool = spool(1 << 20);
        spool.recover();
        SpoolUpload u = spool.begin();
        join(u.write(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        u.abort();
        QueueId id = ids.next();
        assertThatThrownBy(() -> join(u.commit(envelope(id, "r@example.org")))).hasMessageContaining("aborted");
        assertThat(spool.liveCount()).isZero();
        spool.close();
        ByteBuf late = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeLong(7);
        assertThatThrownBy(() -> join(spool.begin().write(late))).hasMessageContaining("closed");
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void largeArrayAppendIsStoredAsChunksAndReadBackWhole() throws Exception {
        FileSpool spool = spool(1 << 20);
        spool.recover();
        byte[] content = random(3 * FileSpool.INLINE_MAX + 17, 4);
        QueueId id = ids.next();
        join(spool.append(envelope(id, "r@example.org"), content));
        spool.close();
        FileSpool again = spool(1 << 20);
        assertThat(again.recover()).extracting(SpooledMessage::id).containsExactly(id);
        assertThat(join(again.readContent(id))).isEqualTo(content);
    }

    @Test
    void stragglerWithAStreamedContentIsCopiedForwardPieceByPiece() throws Exception {
        FileSpool spool = spool(256 * 1024);
        spool.recover();
        byte[] big = random(20 * 1024, 5);
        QueueId slow = ids.next();
        join(upload(spool, big, 4096).commit(envelope(slow, "slow@example.org")));
        // fill several segments with messages that are delivered at once
        for (int i = 0; i < 40; i++) {
            QueueId id = ids.next();
            join(spool.append(envelope(id, "r@example.org"), random(30 * 1024, 10 + i)));
            join(spool.recordOutcomes(id, 1, List.of(
                    new RecipientOutcome("r@example.org", DeliveryStatus.DELIVERED, "250"))));
        }
        Path first = dir.resolve(Segment.fileName(0));
        assertThat(await(() -> !Files.exists(first), 10_000)).as("the first segment is compacted").isTrue();
        assertThat(join(spool.readContent(slow))).isEqualTo(big);
        spool.close();
        FileSpool again = spool(256 * 1024);
        assertThat(again.recover()).extracting(SpooledMessage::id).containsExactly(slow);
        assertThat(join(again.readContent(slow))).isEqualTo(big);
    }
}
