package dev.mailgateway.core.spool;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The on-disk format of spool segments (see docs/spool.md).
 *
 * <pre>
 * segment = "MGSPOOL2" record*                              (version 2, written since #11)
 * record  = marker:int32 length:int32 crc32c:int32 payload[length]   (big-endian; crc over payload)
 * segment = "MGSPOOL1" record1*                             (version 1, read only)
 * record1 = length:int32 crc32c:int32 payload[length]
 * payload = type:int8 ...
 *   MESSAGE (1): id[16] receivedAtSec:int64 receivedAtNano:int32 flags:int8 attempts:int32
 *                sender helo ip authUser rcptCount:int32 rcpt*  pending-bitmap
 *                [dsn, only when flags has FLAG_DSN]
 *                contentLength:int32 content[contentLength]
 *   dsn          = ret envid (notify orcpt)*rcptCount     (RFC 3461 parameters, strings; "" = none)
 *   STATE   (2): id[16] attempts:int32 rcptCount:int32 pending-bitmap
 *   CHUNK   (3): writeId:int64 data*                          (v2: one piece of a streamed content)
 *   COMMIT  (4): as MESSAGE up to the bitmap (and dsn), then writeId:int64 chunkCount:int32
 *                contentLength:int32    (v2: the content is the CHUNK records of writeId before it)
 * string  = length:int32 utf8[length]
 * pending-bitmap = ceil(rcptCount / 8) bytes, bit i (LSB first) set = recipient i pending
 * </pre>
 *
 * <p>A STATE record is a snapshot, not a delta: the latest one for an id wins, which makes
 * replay idempotent. Stateless and thread-safe.
 */
final class SpoolRecords {

    /** The header of the segments written now (version 2: records start with {@link #MARKER}). */
    static final byte[] MAGIC = "MGSPOOL2".getBytes(US_ASCII);
    /** The header of version 1 segments (records without a marker), still read at recovery. */
    static final byte[] MAGIC_V1 = "MGSPOOL1".getBytes(US_ASCII);
    static final int SEGMENT_HEADER = MAGIC.length;
    /** Starts every version 2 record: what recovery scans for to resynchronise after damage. */
    static final int MARKER = 0xF14D4752;
    /** marker + length + crc in front of each version 2 payload. */
    static final int RECORD_HEADER = 12;
    /** length + crc in front of each version 1 payload. */
    static final int RECORD_HEADER_V1 = 8;
    static final byte MESSAGE = 1;
    static final byte STATE = 2;
    static final byte CHUNK = 3;
    static final byte COMMIT = 4;
    /** type + writeId in front of a chunk's data. */
    static final int CHUNK_PREFIX = 1 + 8;
    /** The smallest valid version 1 payload: a type byte and an id. */
    static final int MIN_PAYLOAD = 1 + QueueId.LENGTH;
    /** The smallest valid version 2 payload: a CHUNK with one byte of data. */
    static final int MIN_PAYLOAD_V2 = CHUNK_PREFIX + 1;
    /**
     * The largest version 2 payload the writer produces is a chunk or a small inline message
     * plus an envelope; a length above this is damage, not a record (recovery reads no further).
     */
    static final int MAX_PAYLOAD_V2 = 16 << 20;

    private static final int FLAG_SMTPUTF8 = 1;
    private static final int FLAG_8BITMIME = 2;
    /** The record carries a dsn block (issue #14); records without it read as before. */
    private static final int FLAG_DSN = 4;

    private SpoolRecords() {
    }

    /**
     * The bytes of a MESSAGE record up to (not including) the content, with marker, length and
     * CRC already filled in over header and content. The content array is not copied: the
     * caller writes it right after the returned buffer.
     */
    static ByteBuffer messageHeader(SpooledMessage message, byte[] content) {
        ByteBuffer b = envelopePart(MESSAGE, message, 4);
        b.putInt(content.length);
        int size = b.position();
        long payloadLength = (long) size - RECORD_HEADER + content.length;
        if (payloadLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("message too large for the spool: " + payloadLength);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RECORD_HEADER, size - RECORD_HEADER);
        crc.update(content, 0, content.length);
        return seal(b, (int) payloadLength, crc);
    }

    /** A complete COMMIT record: the envelope of a content streamed as {@code chunkCount} CHUNK records. */
    static ByteBuffer commitRecord(SpooledMessage message, long writeId, int chunkCount, int contentLength) {
        ByteBuffer b = envelopePart(COMMIT, message, 16);
        b.putLong(writeId);
        b.putInt(chunkCount);
        b.putInt(contentLength);
        int size = b.position();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RECORD_HEADER, size - RECORD_HEADER);
        return seal(b, size - RECORD_HEADER, crc);
    }

    /**
     * The header of a CHUNK record (marker, length, CRC, type, writeId) for {@code data}, which
     * the caller writes right after it; {@code data}'s position is not moved.
     */
    static ByteBuffer chunkHeader(long writeId, ByteBuffer data) {
        ByteBuffer b = ByteBuffer.allocate(RECORD_HEADER + CHUNK_PREFIX);
        b.position(RECORD_HEADER);
        b.put(CHUNK);
        b.putLong(writeId);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RECORD_HEADER, CHUNK_PREFIX);
        crc.update(data.duplicate());
        return seal(b, CHUNK_PREFIX + data.remaining(), crc);
    }

    private static ByteBuffer seal(ByteBuffer b, int payloadLength, CRC32C crc) {
        b.putInt(0, MARKER);
        b.putInt(4, payloadLength);
        b.putInt(8, (int) crc.getValue());
        return b.flip();
    }

    /** A buffer positioned after the envelope fields of a MESSAGE/COMMIT payload, {@code tail} bytes to spare. */
    private static ByteBuffer envelopePart(byte type, SpooledMessage message, int tail) {
        Envelope e = message.envelope();
        byte[] sender = e.sender().getBytes(UTF_8);
        byte[] helo = e.clientHelo().getBytes(UTF_8);
        byte[] ip = e.clientIp().getBytes(UTF_8);
        byte[] auth = e.authUser().getBytes(UTF_8);
        List<String> rcpts = e.recipients();
        byte[][] rcptBytes = new byte[rcpts.size()][];
        int size = RECORD_HEADER + 1 + QueueId.LENGTH + 8 + 4 + 1 + 4
                + 4 + sender.length + 4 + helo.length + 4 + ip.length + 4 + auth.length + 4;
        for (int i = 0; i < rcptBytes.length; i++) {
            rcptBytes[i] = rcpts.get(i).getBytes(UTF_8);
            size += 4 + rcptBytes[i].length;
        }
        byte[] bitmap = bitmap(rcpts, message.pendingRecipients());
        byte[] dsn = dsnBlock(e);
        size += bitmap.length + dsn.length + tail;

        ByteBuffer b = ByteBuffer.allocate(size);
        b.position(RECORD_HEADER);
        b.put(type);
        b.put(e.id().value().getBytes(US_ASCII));
        b.putLong(e.receivedAt().getEpochSecond());
        b.putInt(e.receivedAt().getNano());
        b.put((byte) ((e.smtpUtf8() ? FLAG_SMTPUTF8 : 0) | (e.eightBit() ? FLAG_8BITMIME : 0)
                | (dsn.length > 0 ? FLAG_DSN : 0)));
        b.putInt(message.attempts());
        putBytes(b, sender);
        putBytes(b, helo);
        putBytes(b, ip);
        putBytes(b, auth);
        b.putInt(rcptBytes.length);
        for (byte[] r : rcptBytes) {
            putBytes(b, r);
        }
        b.put(bitmap);
        b.put(dsn);
        return b;
    }

    /** A complete STATE record: the message's attempts and which recipients are still pending. */
    static ByteBuffer stateRecord(QueueId id, int attempts, List<String> recipients,
            Collection<String> pending) {
        byte[] bitmap = bitmap(recipients, pending);
        int size = RECORD_HEADER + 1 + QueueId.LENGTH + 4 + 4 + bitmap.length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.position(RECORD_HEADER);
        b.put(STATE);
        b.put(id.value().getBytes(US_ASCII));
        b.putInt(attempts);
        b.putInt(recipients.size());
        b.put(bitmap);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RECORD_HEADER, size - RECORD_HEADER);
        return seal(b, size - RECORD_HEADER, crc);
    }

    /** CRC32C of a payload, as stored in the record header. */
    static int crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload, 0, payload.length);
        return (int) crc.getValue();
    }

    /**
     * A decoded MESSAGE payload (the content stays in the payload at {@code contentOffset}) or
     * COMMIT payload ({@code writeId} and {@code chunkCount} of its CHUNK records, contentOffset -1).
     */
    record DecodedMessage(SpooledMessage message, int contentOffset, int contentLength, long writeId,
            int chunkCount, byte[] bitmap) {

        boolean chunked() {
            return contentOffset < 0;
        }
    }

    /** A decoded STATE payload. */
    record DecodedState(QueueId id, int attempts, int recipientCount, byte[] bitmap) {

        /** The pending recipients, or null when the recipient count does not match. */
        List<String> pendingOf(List<String> recipients) {
            return recipients.size() == recipientCount ? pendingFrom(recipients, bitmap) : null;
        }
    }

    /**
     * Decodes a MESSAGE or COMMIT payload (type byte included).
     *
     * @throws RuntimeException (BufferUnderflow, IllegalArgument) when malformed
     */
    static DecodedMessage decodeMessage(byte[] payload) {
        return decodeMessage(payload, false);
    }

    /**
     * Decodes the part of a MESSAGE payload before its content ({@code payload} ends right
     * after contentLength): the envelope of a large inline message without reading its content.
     */
    static DecodedMessage decodeMessageHead(byte[] payload) {
        return decodeMessage(payload, true);
    }

    private static DecodedMessage decodeMessage(byte[] payload, boolean headOnly) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        byte type = b.get();
        QueueId id = readId(b);
        Instant receivedAt = Instant.ofEpochSecond(b.getLong(), b.getInt());
        int flags = b.get();
        int attempts = b.getInt();
        String sender = readString(b);
        String helo = readString(b);
        String ip = readString(b);
        String auth = readString(b);
        int n = count(b, b.getInt());
        List<String> rcpts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rcpts.add(readString(b));
        }
        byte[] bitmap = new byte[(n + 7) / 8];
        b.get(bitmap);
        Dsn dsn = (flags & FLAG_DSN) != 0 ? readDsn(b, n) : Dsn.NONE;
        long writeId = 0;
        int chunkCount = 0;
        if (type == COMMIT) {
            writeId = b.getLong();
            chunkCount = b.getInt();
        }
        int contentLength = b.getInt();
        int expected = type == COMMIT || headOnly ? 0 : contentLength;
        if (contentLength < 0 || chunkCount < 0 || expected != b.remaining()) {
            throw new IllegalArgumentException("content length " + contentLength
                    + " does not match the record (" + b.remaining() + " bytes left)");
        }
        Envelope envelope = new Envelope(id, sender, rcpts, receivedAt, helo, ip, auth,
                (flags & FLAG_SMTPUTF8) != 0, (flags & FLAG_8BITMIME) != 0, dsn);
        SpooledMessage m = new SpooledMessage(envelope, pendingFrom(rcpts, bitmap), attempts);
        return new DecodedMessage(m, type == COMMIT ? -1 : b.position(), contentLength, writeId, chunkCount,
                bitmap);
    }

    /** Decodes a STATE payload (type byte included). */
    static DecodedState decodeState(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        b.get(); // type
        QueueId id = readId(b);
        int attempts = b.getInt();
        int n = b.getInt();
        if (n < 0 || (n + 7) / 8 != b.remaining()) {
            throw new IllegalArgumentException("bad recipient count " + n + " in a state record");
        }
        byte[] bitmap = new byte[(n + 7) / 8];
        b.get(bitmap);
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " stray bytes after a state record");
        }
        return new DecodedState(id, attempts, n, bitmap);
    }

    // ---- DSN block (RFC 3461 parameters, issue #14): written only when there are any ----

    private static byte[] dsnBlock(Envelope e) {
        Dsn d = e.dsn();
        if (d.isEmpty()) {
            return new byte[0];
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        writeString(out, d.ret());
        writeString(out, d.envId());
        for (int i = 0; i < e.recipients().size(); i++) {
            writeString(out, d.notifyOf(i));
            writeString(out, d.orcptOf(i));
        }
        return out.toByteArray();
    }

    private static void writeString(java.io.ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(UTF_8);
        out.write(bytes.length >>> 24);
        out.write(bytes.length >>> 16);
        out.write(bytes.length >>> 8);
        out.write(bytes.length);
        out.write(bytes, 0, bytes.length);
    }

    private static Dsn readDsn(ByteBuffer b, int rcptCount) {
        String ret = readString(b);
        String envId = readString(b);
        List<String> notify = new ArrayList<>(rcptCount);
        List<String> orcpt = new ArrayList<>(rcptCount);
        for (int i = 0; i < rcptCount; i++) {
            notify.add(readString(b));
            orcpt.add(readString(b));
        }
        return new Dsn(ret, envId, notify, orcpt);
    }

    /** The pending-recipient bitmap of the records: bit i (LSB first) set = recipients[i] pending. */
    static byte[] bitmap(List<String> recipients, Collection<String> pending) {
        byte[] bits = new byte[(recipients.size() + 7) / 8];
        if (pending.isEmpty()) {
            return bits;
        }
        Collection<String> lookup = pending.size() > 8 && !(pending instanceof Set)
                ? new HashSet<>(pending) : pending;
        for (int i = 0; i < recipients.size(); i++) {
            if (lookup.contains(recipients.get(i))) {
                bits[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
        return bits;
    }

    /** The recipients whose bit is set in {@code bitmap}, in order. */
    static List<String> pendingFrom(List<String> recipients, byte[] bitmap) {
        List<String> pending = new ArrayList<>(recipients.size());
        for (int i = 0; i < recipients.size(); i++) {
            if ((bitmap[i >>> 3] & (1 << (i & 7))) != 0) {
                pending.add(recipients.get(i));
            }
        }
        return pending;
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        b.putInt(bytes.length);
        b.put(bytes);
    }

    private static QueueId readId(ByteBuffer b) {
        byte[] id = new byte[QueueId.LENGTH];
        b.get(id);
        return QueueId.parse(new String(id, US_ASCII));
    }

    private static String readString(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("bad string length " + len);
        }
        String s = new String(b.array(), b.position(), len, UTF_8);
        b.position(b.position() + len);
        return s;
    }

    private static int count(ByteBuffer b, int n) {
        // every entry takes at least 4 bytes: a corrupt count cannot make us allocate wildly
        if (n < 0 || n > b.remaining() / 4) {
            throw new IllegalArgumentException("bad count " + n);
        }
        return n;
    }
}
