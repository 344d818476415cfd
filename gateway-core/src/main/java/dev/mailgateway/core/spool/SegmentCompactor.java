package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reclaims segments: deletes them oldest first once they hold no live message (or moves a
 * damaged one aside), and compacts an old segment whose few live messages hold at most 1/8 of
 * a segment by copying them forward, so one slow message cannot pin the whole spool. A streamed
 * content is copied piece by piece, never read whole.
 *
 * <p>Deletion goes in order because the STATE record that made a message final may sit in a
 * later segment: deleting that later segment first would bring the message back to life at the
 * next recovery.
 *
 * <p>Thread: the spool's writer thread only (called from its housekeeping, between batches).
 */
final class SegmentCompactor {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentCompactor.class);

    private final Path dir;
    private final SegmentLog segments;
    private final Map<QueueId, SpoolEntry> live;
    private final long segmentBytes;
    private final int inlineMax;
    private final AtomicLong writeIds;
    private final ContentCache cache;
    private final Consumer<SpoolEntry> release;
    private final Consumer<IOException> onWriteError;

    SegmentCompactor(Path dir, SegmentLog segments, Map<QueueId, SpoolEntry> live, long segmentBytes,
            int inlineMax, AtomicLong writeIds, ContentCache cache, Consumer<SpoolEntry> release,
            Consumer<IOException> onWriteError) {
        this.dir = dir;
        this.segments = segments;
        this.live = live;
        this.segmentBytes = segmentBytes;
        this.inlineMax = inlineMax;
        this.writeIds = writeIds;
        this.cache = cache;
        this.release = release;
        this.onWriteError = onWriteError;
    }

    /** Deletes (or compacts) what can go now; stops at the first segment that must stay. */
    void reclaim() {
        for (int guard = 0; guard < 10_000; guard++) {
            Segment first = segments.first();
            if (first == null || first == segments.current()) {
                return;
            }
            if (first.live == 0) {
                segments.deleteFirst();
                continue;
            }
            if (segments.count() < 3 || first.liveBytes > segmentBytes / 8 || !copyForward(first)) {
                return;
            }
        }
    }

    /** Rewrites the live messages of {@code from} at the end of the spool; true on success. */
    private boolean copyForward(Segment from) {
        List<SpoolEntry> movers = new ArrayList<>();
        for (SpoolEntry e : live.values()) {
            if (e.occupies(from)) {
                movers.add(e);
            }
        }
        List<Runnable> relocate = new ArrayList<>(movers.size());
        List<ContentChunks> copies = new ArrayList<>();
        try {
            for (SpoolEntry e : movers) {
                if (e.chunks != null || e.contentLength > inlineMax) {
                    ContentChunks c = new ContentChunks(writeIds.incrementAndGet());
                    copies.add(c);
                    for (long off = 0; off < e.contentLength; off += inlineMax) {
                        c.write(segments, ByteBuffer.wrap(ContentReader.read(e, off, inlineMax)));
                    }
                    ByteBuffer record = c.commitRecord(e.message);
                    Segment to = segments.segmentFor(record.remaining());
                    segments.write(record);
                    relocate.add(() -> {
                        release.accept(e);
                        e.segment = to;
                        e.contentPosition = -1;
                        e.chunks = c.take(); // pinned when written: the entry's now
                        to.live++;
                    });
                    continue;
                }
                byte[] content = e.cached != null ? e.cached : ContentReader.read(e, 0, e.contentLength);
                ByteBuffer header = SpoolRecords.messageHeader(e.message, content);
                long recordLength = header.remaining() + (long) content.length;
                Segment to = segments.segmentFor(recordLength);
                long contentPosition = to.size + header.remaining();
                segments.write(header);
                segments.write(ByteBuffer.wrap(content));
                relocate.add(() -> {
                    release.accept(e);
                    e.segment = to;
                    e.contentPosition = contentPosition;
                    e.chunks = null;
                    cache.offer(e, content);
                    e.countIn(1);
                });
            }
            segments.commit(true); // always forced: the source is deleted next
        } catch (IOException e) {
            copies.forEach(ContentChunks::unpin);
            onWriteError.accept(e);
            return false;
        }
        relocate.forEach(Runnable::run);
        LOG.info("spool {}: copied {} live messages forward from segment {}", dir, movers.size(), from);
        return true;
    }
}
