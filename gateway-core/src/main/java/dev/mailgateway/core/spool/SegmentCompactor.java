package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private final LiveMessages live;
    private final LiveIndex index;
    private final long segmentBytes;
    private final int inlineMax;
    private final AtomicLong writeIds;
    private final Consumer<IOException> onWriteError;

    SegmentCompactor(Path dir, SegmentLog segments, LiveMessages live, long segmentBytes, int inlineMax,
            AtomicLong writeIds, Consumer<IOException> onWriteError) {
        this.dir = dir;
        this.segments = segments;
        this.live = live;
        this.index = live.index;
        this.segmentBytes = segmentBytes;
        this.inlineMax = inlineMax;
        this.writeIds = writeIds;
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
        List<Integer> movers = new ArrayList<>();
        for (int slot = 0; slot < index.highWater(); slot++) {
            if (index.used(slot) && index.occupies(slot, from)) {
                movers.add(slot);
            }
        }
        List<Runnable> relocate = new ArrayList<>(movers.size());
        List<ContentChunks> copies = new ArrayList<>();
        try {
            for (int slot : movers) {
                QueueId id = index.id(slot);
                LoadedMessage l = live.loaded(id);
                // a waiting message's envelope is read back from its record (it is not in memory)
                SpooledMessage m = live.current(slot, id);
                int length = index.contentLength(slot);
                SpoolEntry view = index.view(slot, l == null ? null : l.cached);
                if (index.chunks(slot) != null || length > inlineMax) {
                    ContentChunks c = new ContentChunks(writeIds.incrementAndGet());
                    copies.add(c);
                    for (long off = 0; off < length; off += inlineMax) {
                        c.write(segments, ByteBuffer.wrap(ContentReader.read(view, off, inlineMax)));
                    }
                    ByteBuffer record = c.commitRecord(m);
                    Segment to = segments.segmentFor(record.remaining());
                    long payloadAt = to.size + SpoolRecords.RECORD_HEADER;
                    segments.write(record);
                    relocate.add(() -> {
                        index.countIn(slot, -1);
                        index.relocate(slot, to, payloadAt, -1, c.take()); // pinned when written: the entry's now
                        to.live++;
                    });
                    continue;
                }
                byte[] content = view.cached != null ? view.cached : ContentReader.read(view, 0, length);
                ByteBuffer header = SpoolRecords.messageHeader(m, content);
                long recordLength = header.remaining() + (long) content.length;
                Segment to = segments.segmentFor(recordLength);
                long payloadAt = to.size + SpoolRecords.RECORD_HEADER;
                long contentPosition = to.size + header.remaining();
                segments.write(header);
                segments.write(ByteBuffer.wrap(content));
                relocate.add(() -> {
                    index.countIn(slot, -1);
                    index.relocate(slot, to, payloadAt, contentPosition, null);
                    index.countIn(slot, 1);
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
