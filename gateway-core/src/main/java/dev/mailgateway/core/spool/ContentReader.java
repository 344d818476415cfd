package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a live message's content: from the cache, one inline range, or across the CHUNK
 * records of a streamed content (possibly in several segments), positional reads only.
 *
 * <p>Thread: the spool's writer thread (the entry's segment fields are its; it also makes sure
 * no segment is closed under a read). Stateless.
 */
final class ContentReader {

    private ContentReader() {
    }

    /** Up to {@code max} content bytes of {@code e} from {@code offset}; empty at the end. */
    static byte[] read(SpoolEntry e, long offset, int max) throws IOException {
        long n = Math.max(0, Math.min((long) max, e.contentLength - offset));
        byte[] out = new byte[(int) n];
        if (n == 0) {
            return out;
        }
        byte[] cached = e.cached;
        if (cached != null) {
            System.arraycopy(cached, (int) offset, out, 0, out.length);
            return out;
        }
        if (e.chunks == null) {
            e.segment.readInto(e.contentPosition + offset, ByteBuffer.wrap(out));
            return out;
        }
        long at = 0; // content offset where the current extent starts
        int filled = 0;
        for (ContentExtent c : e.chunks) {
            long end = at + c.length();
            if (end > offset && filled < out.length) {
                long from = Math.max(offset, at);
                int take = (int) Math.min(end - from, out.length - filled);
                c.segment().readInto(c.position() + (from - at), ByteBuffer.wrap(out, filled, take));
                filled += take;
            }
            at = end;
            if (filled == out.length) {
                break;
            }
        }
        return out;
    }
}
