package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a live message's envelope back from its MESSAGE or COMMIT record (the {@link LiveIndex}
 * keeps only where it is) and applies the index's current attempts and pending recipients,
 * which later STATE records may have changed.
 *
 * <p>Failures: an {@link IOException} is a read that may work later (the caller retries); an
 * {@link IllegalStateException} or another runtime exception means the record is not what
 * the index says any more (CRC, id or length do not match: damaged for good).
 *
 * <p>Thread: the spool's writer thread (it owns the segments' channels). Stateless.
 */
final class EnvelopeReader {

    /** Records up to this payload size are read whole and CRC-checked; larger ones only up to the content. */
    static final int CHECKED_PAYLOAD = 4 << 20;

    private EnvelopeReader() {
    }

    /** The message in {@code slot} as it stands now (envelope, attempts, pending recipients). */
    static SpooledMessage read(LiveIndex index, int slot) throws IOException {
        Segment seg = index.segment(slot);
        long payloadAt = index.payloadPosition(slot);
        // version 1 and 2 records both end their header with length:int32 crc32c:int32
        ByteBuffer header = ByteBuffer.allocate(8);
        seg.readInto(payloadAt - 8, header);
        int length = header.getInt(0);
        int crc = header.getInt(4);
        long contentAt = index.contentPosition(slot);
        if (length <= 0 || payloadAt + length > seg.size) {
            throw new IllegalStateException("record at " + payloadAt + " in segment " + seg
                    + " has length " + length + ", not the indexed message's");
        }
        byte[] payload;
        if (contentAt < 0 || length <= CHECKED_PAYLOAD) {
            payload = seg.read(payloadAt, length);
            if (SpoolRecords.crc(payload) != crc) {
                throw new IllegalStateException("record at " + payloadAt + " in segment " + seg
                        + " fails its CRC32C");
            }
        } else {
            // a large inline content: decode the envelope part only (content bytes left out)
            payload = prefixWithoutContent(seg, payloadAt, contentAt);
        }
        SpoolRecords.DecodedMessage d = contentAt < 0 || length <= CHECKED_PAYLOAD
                ? SpoolRecords.decodeMessage(payload)
                : SpoolRecords.decodeMessageHead(payload);
        SpooledMessage m = d.message();
        QueueId id = index.id(slot);
        if (!m.id().equals(id) || d.contentLength() != index.contentLength(slot)
                || m.envelope().recipients().size() != index.recipientCount(slot)) {
            throw new IllegalStateException("record at " + payloadAt + " in segment " + seg
                    + " holds " + m.id() + ", not " + id);
        }
        return new SpooledMessage(m.envelope(),
                SpoolRecords.pendingFrom(m.envelope().recipients(), index.pending(slot)), index.attempts(slot));
    }

    private static byte[] prefixWithoutContent(Segment seg, long payloadAt, long contentAt) throws IOException {
        long n = contentAt - payloadAt;
        if (n <= 0 || n > SpoolRecords.MAX_PAYLOAD_V2) {
            throw new IllegalStateException("bad envelope extent " + n + " in segment " + seg);
        }
        return seg.read(payloadAt, (int) n);
    }
}
