package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer-side state of one streamed content: the CHUNK records written so far under one
 * {@code writeId}. Each chunk's bytes count as live in its segment from the moment it is written
 * (pinned), so a segment holding an upload in progress is never reclaimed; {@link #take} hands
 * the pins to the message's entry at the commit, {@link #unpin} gives them up (abort, failure).
 *
 * <p>Thread: the spool's writer thread only.
 */
final class ContentChunks {

    final long writeId;
    private final List<ContentExtent> chunks = new ArrayList<>();
    private long bytes;
    /** Committed or given up: no more chunks. */
    boolean finished;

    ContentChunks(long writeId) {
        this.writeId = writeId;
    }

    long bytes() {
        return bytes;
    }

    /** Writes one CHUNK record with {@code data} (its remaining bytes; staged or written on return). */
    void write(SegmentLog segments, ByteBuffer data) throws IOException {
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        ByteBuffer header = SpoolRecords.chunkHeader(writeId, data);
        Segment seg = segments.segmentFor(header.remaining() + (long) length);
        long dataPosition = seg.size + header.remaining();
        segments.write(header);
        segments.write(data);
        seg.live++; // pinned until the commit makes it the entry's, or unpin() releases it
        seg.liveBytes += length;
        chunks.add(new ContentExtent(seg, dataPosition, length));
        bytes += length;
    }

    /** The COMMIT record naming these chunks, with {@code message}'s envelope. */
    ByteBuffer commitRecord(SpooledMessage message) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("message too large for the spool: " + bytes);
        }
        return SpoolRecords.commitRecord(message, writeId, chunks.size(), (int) bytes);
    }

    /** The chunks, with their pins, for the message's entry; this object holds none afterwards. */
    ContentExtent[] take() {
        finished = true;
        ContentExtent[] out = chunks.toArray(new ContentExtent[0]);
        chunks.clear();
        return out;
    }

    /** Gives the pinned bytes up. Idempotent. */
    void unpin() {
        finished = true;
        for (ContentExtent c : chunks) {
            c.segment().live--;
            c.segment().liveBytes -= c.length();
        }
        chunks.clear();
    }
}
