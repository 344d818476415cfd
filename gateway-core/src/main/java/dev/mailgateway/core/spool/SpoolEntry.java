package dev.mailgateway.core.spool;

/**
 * Where one live message's content lies, for {@link ContentReader}: a short-lived view of a
 * {@link LiveIndex} slot (the index itself keeps no object per message).
 *
 * <p>Thread: the spool's writer thread.
 */
final class SpoolEntry {

    /** The segment of the MESSAGE (inline content) or COMMIT record. */
    final Segment segment;
    final long contentPosition;
    final int contentLength;
    /** A streamed content's pieces in order (null: inline at segment/contentPosition). */
    final ContentExtent[] chunks;
    /** The content when the cache holds it, else null. */
    final byte[] cached;

    SpoolEntry(Segment segment, long contentPosition, int contentLength, ContentExtent[] chunks, byte[] cached) {
        this.segment = segment;
        this.contentPosition = contentPosition;
        this.contentLength = contentLength;
        this.chunks = chunks;
        this.cached = cached;
    }
}
