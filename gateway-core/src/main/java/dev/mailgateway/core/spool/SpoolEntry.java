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
    Segment segment;
    long contentPosition;
    int contentLength;

    SpoolEntry(SpooledMessage message, Segment segment, long contentPosition, int contentLength) {
        this.message = message;
        this.segment = segment;
        this.contentPosition = contentPosition;
        this.contentLength = contentLength;
    }
}
