package dev.mailgateway.core.spool;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.mailgateway.core.model.QueueId;
import java.util.Arrays;

/**
 * The spool's compact index of live messages (issue #12): per message only what is needed to
 * find it, order it and read it back from its segment (queue id, segment, payload and content
 * position, content length, attempts, pending-recipient bits, receivedAt), in parallel
 * primitive arrays: 60 bytes a message in the slots, plus the table and the waiting ring
 * (about 90 bytes in all at 100,000 messages; BENCHMARKS.md). The envelope (sender, recipients, DSN
 * parameters) stays on disk and is decoded again when the message enters the dispatch window.
 *
 * <p>Layout: entries live in numbered <em>slots</em> (parallel arrays, a free list for reuse);
 * an open-addressing table (linear probing, backward-shift deletion, load factor at most 3/4)
 * maps a queue id (its 16 ASCII characters packed into two longs) to its slot. A slot's
 * {@link #handle} carries a generation, so a handle kept in the waiting list goes stale (and is
 * skipped) once its message is final or replaced, even when the slot is reused.
 *
 * <p>The waiting list (messages on disk, waiting for a place in the dispatch window) is a ring
 * of handles, oldest first ({@link #pushWaiting}, {@link #pollWaiting}).
 *
 * <p>Thread: the spool's writer thread only; nothing here is thread-safe.
 */
final class LiveIndex {

    private static final int MIN_CAPACITY = 64;
    /** Pending bits of a message with more recipients than a long holds are kept in a byte[]. */
    static final int NARROW_RECIPIENTS = 64;

    // ---- slots (parallel arrays)
    private long[] idHi;
    private long[] idLo;
    private Segment[] segment;           // null = free slot
    private long[] payloadPos;           // the record's payload (MESSAGE or COMMIT); a free slot: the next free
    private int[] contentOffset;         // inline content position - payloadPos; -1 = streamed (chunks)
    private int[] contentLength;
    private int[] attempts;
    private int[] rcptCount;
    private long[] pendingBits;          // recipients <= 64
    /** null, or the pending bitmap (byte[], recipients > 64), the chunks (ContentExtent[]), or both (Object[2]). */
    private Object[] extra;
    private int[] receivedAtSec;         // unsigned epoch seconds (until 2106)
    private int[] generation;
    private int freeHead = -1;
    private int highWater;
    private int size;

    // ---- id -> slot + 1 (0 = empty)
    private int[] table;

    // ---- the waiting list: a ring of handles
    private long[] ring = new long[MIN_CAPACITY];
    private int ringHead;
    private int ringSize;

    LiveIndex() {
        allocate(MIN_CAPACITY);
        table = new int[MIN_CAPACITY * 2];
    }

    int size() {
        return size;
    }

    /** One past the highest slot ever used: iterate {@code 0..highWater()} with {@link #used}. */
    int highWater() {
        return highWater;
    }

    boolean used(int slot) {
        return segment[slot] != null;
    }

    /** The slot of {@code id}, or -1. */
    int find(QueueId id) {
        byte[] b = id.value().getBytes(US_ASCII);
        return find(hi(b), lo(b));
    }

    private int find(long hi, long lo) {
        int mask = table.length - 1;
        for (int i = mix(hi, lo) & mask; ; i = (i + 1) & mask) {
            int v = table[i];
            if (v == 0) {
                return -1;
            }
            int s = v - 1;
            if (idHi[s] == hi && idLo[s] == lo) {
                return s;
            }
        }
    }

    /**
     * Adds a message that is not in the index yet (remove the old entry first to replace one).
     *
     * @param contentPosition the inline content's position in {@code seg}, or -1 with {@code extents}
     * @param pending         the pending-recipient bitmap (LSB first, as in the records)
     * @return its slot
     */
    int add(QueueId id, Segment seg, long payloadPosition, long contentPosition, int length,
            ContentExtent[] extents, long receivedAt, int attemptCount, int recipients, byte[] pending) {
        byte[] b = id.value().getBytes(US_ASCII);
        long hi = hi(b);
        long lo = lo(b);
        if (find(hi, lo) >= 0) {
            throw new IllegalStateException("already indexed: " + id);
        }
        int s = takeSlot();
        idHi[s] = hi;
        idLo[s] = lo;
        segment[s] = seg;
        extra[s] = null;
        rcptCount[s] = recipients;
        relocate(s, seg, payloadPosition, contentPosition, extents);
        contentLength[s] = length;
        receivedAtSec[s] = (int) Math.floorDiv(receivedAt, 1000L);
        setPending(s, pending, attemptCount);
        size++;
        if (size * 4L > table.length * 3L) {
            rehash(table.length * 2);
        } else {
            insert(s);
        }
        return s;
    }

    /** Forgets the entry in {@code slot}; handles to it go stale. */
    void remove(int slot) {
        int mask = table.length - 1;
        int i = mix(idHi[slot], idLo[slot]) & mask;
        while (table[i] != slot + 1) {
            if (table[i] == 0) {
                throw new IllegalStateException("slot " + slot + " is not in the table");
            }
            i = (i + 1) & mask;
        }
        // backward-shift deletion: no tombstones, probe chains stay short
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int s = table[j] - 1;
            int home = mix(idHi[s], idLo[s]) & mask;
            // move s into the hole when its home is not in (hole, j] (cyclically)
            if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = 0;
        segment[slot] = null;
        extra[slot] = null;
        generation[slot]++;
        payloadPos[slot] = freeHead;
        freeHead = slot;
        size--;
    }

    QueueId id(int slot) {
        byte[] b = new byte[QueueId.LENGTH];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (idHi[slot] >>> (56 - 8 * i));
            b[8 + i] = (byte) (idLo[slot] >>> (56 - 8 * i));
        }
        return new QueueId(new String(b, US_ASCII));
    }

    /** Orders two slots by queue id (ids sort by accept time). */
    int compareIds(int a, int b) {
        int c = Long.compareUnsigned(idHi[a], idHi[b]);
        return c != 0 ? c : Long.compareUnsigned(idLo[a], idLo[b]);
    }

    Segment segment(int slot) {
        return segment[slot];
    }

    long payloadPosition(int slot) {
        return payloadPos[slot];
    }

    long contentPosition(int slot) {
        int off = contentOffset[slot];
        return off < 0 ? -1 : payloadPos[slot] + off;
    }

    int contentLength(int slot) {
        return contentLength[slot];
    }

    ContentExtent[] chunks(int slot) {
        Object x = extra[slot];
        return x instanceof ContentExtent[] c ? c : isPair(x) ? (ContentExtent[]) ((Object[]) x)[1] : null;
    }

    private byte[] widePending(int slot) {
        Object x = extra[slot];
        return x instanceof byte[] b ? b : isPair(x) ? (byte[]) ((Object[]) x)[0] : null;
    }

    private static boolean isPair(Object x) {
        return x != null && x.getClass() == Object[].class; // a ContentExtent[] is an Object[] too
    }

    private void setExtra(int slot, byte[] wide, ContentExtent[] chunks) {
        extra[slot] = wide == null ? chunks : chunks == null ? wide : new Object[] {wide, chunks};
    }

    int attempts(int slot) {
        return attempts[slot];
    }

    int recipientCount(int slot) {
        return rcptCount[slot];
    }

    /** When the message was accepted, to the second. */
    long receivedAtMillis(int slot) {
        return Integer.toUnsignedLong(receivedAtSec[slot]) * 1000L;
    }

    /** Where the message's record and content are now (after a copy-forward). */
    void relocate(int slot, Segment seg, long payloadPosition, long contentPosition, ContentExtent[] extents) {
        long off = contentPosition < 0 ? -1 : contentPosition - payloadPosition;
        if (off > Integer.MAX_VALUE || off < -1) {
            throw new IllegalArgumentException("content at " + contentPosition + ", record at " + payloadPosition);
        }
        segment[slot] = seg;
        payloadPos[slot] = payloadPosition;
        contentOffset[slot] = (int) off;
        setExtra(slot, widePending(slot), extents);
    }

    /** The pending-recipient bitmap (a copy), as in the records. */
    byte[] pending(int slot) {
        int n = rcptCount[slot];
        if (n > NARROW_RECIPIENTS) {
            return widePending(slot).clone();
        }
        byte[] out = new byte[(n + 7) / 8];
        long bits = pendingBits[slot];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (bits >>> (8 * i));
        }
        return out;
    }

    void setPending(int slot, byte[] bitmap, int attemptCount) {
        attempts[slot] = attemptCount;
        if (rcptCount[slot] > NARROW_RECIPIENTS) {
            setExtra(slot, bitmap.clone(), chunks(slot));
            return;
        }
        long bits = 0;
        for (int i = 0; i < bitmap.length && i < 8; i++) {
            bits |= (bitmap[i] & 0xFFL) << (8 * i);
        }
        pendingBits[slot] = bits;
    }

    /** True when a bitmap has any recipient pending. */
    static boolean anyPending(byte[] bitmap) {
        for (byte x : bitmap) {
            if (x != 0) {
                return true;
            }
        }
        return false;
    }

    /** A view for {@link ContentReader}: where the content of {@code slot} lies. */
    SpoolEntry view(int slot, byte[] cached) {
        return new SpoolEntry(segment[slot], contentPosition(slot), contentLength[slot], chunks(slot), cached);
    }

    /**
     * Counts the entry in the segments it occupies ({@code +1}) or stops counting it ({@code -1}):
     * its record's segment, and its content's (inline: the same; streamed: each piece's).
     */
    void countIn(int slot, int sign) {
        segment[slot].live += sign;
        ContentExtent[] cs = chunks(slot);
        if (cs == null) {
            segment[slot].liveBytes += sign * (long) contentLength[slot];
            return;
        }
        for (ContentExtent c : cs) {
            c.segment().live += sign;
            c.segment().liveBytes += sign * (long) c.length();
        }
    }

    /** True when any part of the entry in {@code slot} is in {@code s}. */
    boolean occupies(int slot, Segment s) {
        if (segment[slot] == s) {
            return true;
        }
        ContentExtent[] cs = chunks(slot);
        if (cs != null) {
            for (ContentExtent c : cs) {
                if (c.segment() == s) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- handles and the waiting list

    /** A reference to the entry in {@code slot} that goes stale when the entry is removed. */
    long handle(int slot) {
        return ((long) generation[slot] << 32) | slot;
    }

    /** The slot a handle refers to, or -1 when its entry is gone. */
    int slotOf(long handle) {
        int slot = (int) handle;
        return slot >= 0 && slot < highWater && segment[slot] != null
                && generation[slot] == (int) (handle >>> 32) ? slot : -1;
    }

    void pushWaiting(long handle) {
        if (ringSize == ring.length) {
            long[] bigger = new long[ring.length * 2];
            for (int i = 0; i < ringSize; i++) {
                bigger[i] = ring[(ringHead + i) & (ring.length - 1)];
            }
            ring = bigger;
            ringHead = 0;
        }
        ring[(ringHead + ringSize) & (ring.length - 1)] = handle;
        ringSize++;
    }

    /** The oldest waiting handle, or -1 when none waits (handles are never negative). */
    long pollWaiting() {
        if (ringSize == 0) {
            return -1;
        }
        long h = ring[ringHead];
        ringHead = (ringHead + 1) & (ring.length - 1);
        ringSize--;
        if (ringSize == 0 && ring.length > MIN_CAPACITY * 16) {
            ring = new long[MIN_CAPACITY]; // a drained backlog gives its memory back
            ringHead = 0;
        }
        return h;
    }

    int waitingSize() {
        return ringSize;
    }

    // ---- internals

    private int takeSlot() {
        if (freeHead >= 0) {
            int s = freeHead;
            freeHead = (int) payloadPos[s];
            return s;
        }
        if (highWater == segment.length) {
            grow(segment.length + (segment.length >> 2)); // +25%: little slack in a large index
        }
        return highWater++;
    }

    private void insert(int s) {
        int mask = table.length - 1;
        int i = mix(idHi[s], idLo[s]) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = s + 1;
    }

    private void rehash(int tableLength) {
        table = new int[tableLength];
        for (int s = 0; s < highWater; s++) {
            if (segment[s] != null) {
                insert(s);
            }
        }
    }

    private void allocate(int capacity) {
        idHi = new long[capacity];
        idLo = new long[capacity];
        segment = new Segment[capacity];
        payloadPos = new long[capacity];
        contentOffset = new int[capacity];
        contentLength = new int[capacity];
        attempts = new int[capacity];
        rcptCount = new int[capacity];
        pendingBits = new long[capacity];
        extra = new Object[capacity];
        receivedAtSec = new int[capacity];
        generation = new int[capacity];
    }

    private void grow(int capacity) {
        idHi = Arrays.copyOf(idHi, capacity);
        idLo = Arrays.copyOf(idLo, capacity);
        segment = Arrays.copyOf(segment, capacity);
        payloadPos = Arrays.copyOf(payloadPos, capacity);
        contentOffset = Arrays.copyOf(contentOffset, capacity);
        contentLength = Arrays.copyOf(contentLength, capacity);
        attempts = Arrays.copyOf(attempts, capacity);
        rcptCount = Arrays.copyOf(rcptCount, capacity);
        pendingBits = Arrays.copyOf(pendingBits, capacity);
        extra = Arrays.copyOf(extra, capacity);
        receivedAtSec = Arrays.copyOf(receivedAtSec, capacity);
        generation = Arrays.copyOf(generation, capacity);
    }

    private static long hi(byte[] id) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (id[i] & 0xFF);
        }
        return v;
    }

    private static long lo(byte[] id) {
        long v = 0;
        for (int i = 8; i < 16; i++) {
            v = (v << 8) | (id[i] & 0xFF);
        }
        return v;
    }

    private static int mix(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 29));
    }
}
