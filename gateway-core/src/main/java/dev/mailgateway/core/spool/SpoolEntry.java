package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.SpooledMessage;

/**
 * A live message in {@link FileSpool}: where its content lives and what it still owes.
 * Written by the writer thread only; {@link #message} and {@link #cached} are read by any thread.
 */
final class SpoolEntry {

    volatile SpooledMessage message;
    /** The content while live, for small messages (null: read it from the segment). */
    volatile byte[] cached;
    // writer thread only
    /** The segment of the MESSAGE (inline content) or COMMIT record. */
    Segment segment;
    long contentPosition;
    int contentLength;
    /** A streamed content's pieces in order (null: inline at segment/contentPosition). */
    ContentExtent[] chunks;

    SpoolEntry(SpooledMessage message, Segment segment, long contentPosition, int contentLength) {
        this.message = message;
        this.segment = segment;
        this.contentPosition = contentPosition;
        this.contentLength = contentLength;
    }

    SpoolEntry(SpooledMessage message, Segment segment, ContentExtent[] chunks, int contentLength) {
        this(message, segment, -1, contentLength);
        this.chunks = chunks;
    }

    /**
     * Counts this entry in the segments it occupies ({@code +1}) or stops counting it
     * ({@code -1}): its record's segment, and each piece of a streamed content.
     */
    void countIn(int sign) {
        segment.live += sign;
        if (chunks == null) {
            segment.liveBytes += sign * (long) contentLength;
            return;
        }
        for (ContentExtent c : chunks) {
            c.segment().live += sign;
            c.segment().liveBytes += sign * (long) c.length();
        }
    }

    /** True when any part of this entry is in {@code s}. */
    boolean occupies(Segment s) {
        if (segment == s) {
            return true;
        }
        if (chunks != null) {
            for (ContentExtent c : chunks) {
                if (c.segment() == s) {
                    return true;
                }
            }
        }
        return false;
    }
}
