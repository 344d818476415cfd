package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays segment files at recovery, on the spool's writer thread. Nothing that fails its
 * checksum ever becomes a message.
 *
 * <p>Version 2 segments ({@code MGSPOOL2}): every record starts with {@link SpoolRecords#MARKER}.
 * A record that is damaged (marker, length or CRC32C wrong, or it does not parse) is skipped:
 * the scanner searches forward for the next marker whose record passes its CRC and goes on
 * from there, so one bad record costs only itself. A segment with a damaged header is scanned
 * for records the same way. Each unreadable byte range is named in a WARN and the segment is
 * marked {@link Segment#damage damaged}: it is moved aside, never deleted.
 *
 * <p>Version 1 segments ({@code MGSPOOL1}, written before #11, no marker) are read as before:
 * a bad CRC skips the record, a length that cannot be right ends the segment (WARN, damaged).
 */
final class SegmentScanner {

    private static final Logger log = LoggerFactory.getLogger(SegmentScanner.class);
    private static final int SCAN_BLOCK = 64 * 1024;

    private final LiveIndex entries;
    /** Chunks of streamed contents whose COMMIT has not been seen yet, by writeId. */
    private final Map<Long, List<ContentExtent>> pendingChunks = new HashMap<>();

    private SegmentScanner(LiveIndex entries) {
        this.entries = entries;
    }

    /**
     * Replays every segment numbered below {@code endSeq}, oldest first.
     *
     * @return the usable segments, oldest first
     */
    static List<Segment> scanAll(Path dir, long endSeq, LiveIndex entries) throws IOException {
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                long seq = Segment.parseSeq(p.getFileName().toString());
                if (seq >= 0 && seq < endSeq) {
                    files.add(p);
                }
            }
        }
        files.sort(null); // zero-padded names sort by sequence
        SegmentScanner scanner = new SegmentScanner(entries);
        List<Segment> segments = new ArrayList<>(files.size());
        for (Path p : files) {
            Segment s = scanner.scan(p);
            if (s != null) {
                segments.add(s);
            }
        }
        if (!scanner.pendingChunks.isEmpty()) {
            log.debug("spool: {} streamed contents without a COMMIT (abandoned transactions) ignored",
                    scanner.pendingChunks.size());
        }
        return segments;
    }

    /** Replays one file alone (tests). */
    static Segment scan(Path file, LiveIndex entries) throws IOException {
        return new SegmentScanner(entries).scan(file);
    }

    /**
     * Applies the records of {@code file} to the entries (MESSAGE/COMMIT records add or replace,
     * STATE records update or, when nothing is pending, remove).
     *
     * @return the segment, open for reading; null when the file holds no records (deleted)
     */
    private Segment scan(Path file) throws IOException {
        String name = file.getFileName().toString();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        long size = ch.size();
        if (size < SpoolRecords.SEGMENT_HEADER) {
            // created but the header never made it: a crash right after a rollover
            ch.close();
            log.info("spool segment {}: only {} bytes, no records; deleting it", name, size);
            Files.delete(file);
            return null;
        }
        Segment seg = new Segment(Segment.parseSeq(name), file, ch, size);
        byte[] magic = new byte[SpoolRecords.SEGMENT_HEADER];
        seg.readInto(0, ByteBuffer.wrap(magic));
        if (Arrays.equals(magic, SpoolRecords.MAGIC_V1)) {
            scanV1(seg);
        } else if (Arrays.equals(magic, SpoolRecords.MAGIC)) {
            scanV2(seg, SpoolRecords.SEGMENT_HEADER, new Damage(seg));
        } else {
            Damage damage = new Damage(seg);
            log.warn("spool segment {}: bad header; scanning it for records", name);
            damage.from(0);
            scanV2(seg, SpoolRecords.SEGMENT_HEADER, damage);
        }
        return seg;
    }

    /** Names the unreadable ranges of one segment, each once. */
    private static final class Damage {
        private final Segment seg;
        private long start = -1;
        private final StringBuilder ranges = new StringBuilder();

        Damage(Segment seg) {
            this.seg = seg;
        }

        void from(long pos) {
            if (start < 0) {
                start = pos;
            }
        }

        void until(long pos) {
            if (start < 0) {
                return;
            }
            String range = "[" + start + ", " + pos + ")";
            log.warn("spool segment {}: bytes {} ({} bytes) cannot be read; records there are lost, "
                    + "the segment will be kept aside", seg, range, pos - start);
            ranges.append(ranges.length() > 0 ? " " : "").append(range);
            seg.damage = ranges.toString();
            start = -1;
        }
    }

    private void scanV2(Segment seg, long from, Damage damage) throws IOException {
        long size = seg.size;
        long pos = from;
        int messages = 0;
        ByteBuffer header = ByteBuffer.allocate(SpoolRecords.RECORD_HEADER);
        while (pos < size) {
            byte[] payload = tryRecord(seg, pos, header);
            if (payload == null) {
                damage.from(pos);
                pos = nextMarker(seg, pos + 1);
                continue;
            }
            try {
                if (apply(seg, pos, SpoolRecords.RECORD_HEADER, payload)) {
                    messages++;
                }
                damage.until(pos);
            } catch (RuntimeException e) {
                log.warn("spool segment {}: record at offset {} passes its CRC but does not parse ({}); skipped",
                        seg, pos, e.toString());
                damage.from(pos);
                damage.until(pos + SpoolRecords.RECORD_HEADER + payload.length);
            }
            pos += SpoolRecords.RECORD_HEADER + payload.length;
        }
        damage.until(size);
        log.debug("spool segment {}: {} message records", seg, messages);
    }

    /** The payload of a whole, CRC-valid version 2 record at {@code pos}, or null. */
    private static byte[] tryRecord(Segment seg, long pos, ByteBuffer header) throws IOException {
        long size = seg.size;
        if (size - pos < SpoolRecords.RECORD_HEADER) {
            return null;
        }
        header.clear();
        seg.readInto(pos, header);
        int length = header.getInt(4);
        if (header.getInt(0) != SpoolRecords.MARKER || length < SpoolRecords.MIN_PAYLOAD_V2
                || length > SpoolRecords.MAX_PAYLOAD_V2 || length > size - pos - SpoolRecords.RECORD_HEADER) {
            return null;
        }
        byte[] payload = seg.read(pos + SpoolRecords.RECORD_HEADER, length);
        return SpoolRecords.crc(payload) == header.getInt(8) ? payload : null;
    }

    /** The offset of the next marker at or after {@code from}, or the segment's size. */
    private static long nextMarker(Segment seg, long from) throws IOException {
        long size = seg.size;
        ByteBuffer block = ByteBuffer.allocate(SCAN_BLOCK);
        long pos = from;
        while (size - pos >= 4) {
            block.clear();
            int want = (int) Math.min(SCAN_BLOCK, size - pos);
            block.limit(want);
            seg.readInto(pos, block);
            for (int i = 0; i + 4 <= want; i++) {
                if (block.getInt(i) == SpoolRecords.MARKER) {
                    return pos + i;
                }
            }
            pos += want - 3; // a marker may straddle two blocks
        }
        return size;
    }

    private void scanV1(Segment seg) throws IOException {
        long size = seg.size;
        long pos = SpoolRecords.SEGMENT_HEADER;
        int messages = 0;
        int skipped = 0;
        ByteBuffer header = ByteBuffer.allocate(SpoolRecords.RECORD_HEADER_V1);
        Damage damage = new Damage(seg);
        while (pos < size) {
            if (size - pos < SpoolRecords.RECORD_HEADER_V1) {
                log.warn("spool segment {}: torn record header at offset {} ({} bytes to the end); "
                        + "ignoring the tail", seg, pos, size - pos);
                damage.from(pos);
                break;
            }
            header.clear();
            seg.readInto(pos, header);
            int length = header.getInt(0);
            int crc = header.getInt(4);
            if (length < SpoolRecords.MIN_PAYLOAD || length > size - pos - SpoolRecords.RECORD_HEADER_V1) {
                log.warn("spool segment {}: torn or corrupt record at offset {} (length {}, {} bytes "
                        + "to the end); a version 1 segment has no markers: ignoring the rest", seg, pos,
                        length, size - pos);
                damage.from(pos);
                break;
            }
            byte[] payload = seg.read(pos + SpoolRecords.RECORD_HEADER_V1, length);
            long end = pos + SpoolRecords.RECORD_HEADER_V1 + length;
            if (SpoolRecords.crc(payload) != crc) {
                log.warn("spool segment {}: record at offset {} ({} bytes) fails its CRC32C; skipped",
                        seg, pos, length);
                damage.from(pos);
                damage.until(end);
                skipped++;
            } else {
                try {
                    if (apply(seg, pos, SpoolRecords.RECORD_HEADER_V1, payload)) {
                        messages++;
                    }
                } catch (RuntimeException e) {
                    log.warn("spool segment {}: record at offset {} does not parse ({}); skipped",
                            seg, pos, e.toString());
                    damage.from(pos);
                    damage.until(end);
                    skipped++;
                }
            }
            pos = end;
        }
        damage.until(size);
        log.debug("spool segment {} (version 1): {} message records, {} skipped", seg, messages, skipped);
    }

    private void remove(QueueId id) {
        int slot = entries.find(id);
        if (slot >= 0) {
            entries.remove(slot);
        }
    }

    /** Applies one checked payload; true when it was a MESSAGE or COMMIT record. */
    private boolean apply(Segment seg, long pos, int recordHeader, byte[] payload) {
        switch (payload[0]) {
            case SpoolRecords.MESSAGE, SpoolRecords.COMMIT -> {
                // decoded whole to check it, but only the compact entry is kept: the envelope
                // is read again from here when the message enters the dispatch window
                SpoolRecords.DecodedMessage d = SpoolRecords.decodeMessage(payload);
                SpooledMessage m = d.message();
                ContentExtent[] extents = null;
                if (d.chunked()) {
                    List<ContentExtent> chunks = pendingChunks.remove(d.writeId());
                    int have = chunks == null ? 0 : chunks.size();
                    long bytes = 0;
                    for (int i = 0; i < have; i++) {
                        bytes += chunks.get(i).length();
                    }
                    if (have != d.chunkCount() || bytes != d.contentLength()) {
                        seg.damage = seg.damage == null ? "incomplete content" : seg.damage;
                        log.warn("spool segment {}: the content of {} (from {} to {}) is incomplete ({} of {} "
                                + "chunks, {} of {} bytes): the message cannot be recovered", seg, m.id(),
                                m.envelope().sender(), m.pendingRecipients(), have, d.chunkCount(), bytes,
                                d.contentLength());
                        remove(m.id());
                        return true;
                    }
                    extents = chunks.toArray(new ContentExtent[0]);
                }
                remove(m.id()); // a re-sent failed message keeps its id: the later record wins
                if (!m.pendingRecipients().isEmpty()) {
                    long payloadAt = pos + recordHeader;
                    long contentAt = d.chunked() ? -1 : payloadAt + d.contentOffset();
                    entries.add(m.id(), seg, payloadAt, contentAt, d.contentLength(), extents,
                            m.envelope().receivedAt().toEpochMilli(), m.attempts(),
                            m.envelope().recipients().size(), d.bitmap());
                }
                return true;
            }
            case SpoolRecords.STATE -> {
                SpoolRecords.DecodedState s = SpoolRecords.decodeState(payload);
                int slot = entries.find(s.id());
                if (slot < 0) {
                    return false; // the message's segment is gone: it was final
                }
                if (entries.recipientCount(slot) != s.recipientCount()) {
                    log.warn("spool: state record for {} does not match its message ({} recipients); "
                            + "skipped", s.id(), s.recipientCount());
                    return false;
                }
                if (!LiveIndex.anyPending(s.bitmap())) {
                    entries.remove(slot);
                } else {
                    entries.setPending(slot, s.bitmap(), Math.max(entries.attempts(slot), s.attempts()));
                }
                return false;
            }
            case SpoolRecords.CHUNK -> {
                if (payload.length <= SpoolRecords.CHUNK_PREFIX) {
                    throw new IllegalArgumentException("empty chunk");
                }
                long writeId = ByteBuffer.wrap(payload, 1, 8).getLong();
                long dataAt = pos + recordHeader + SpoolRecords.CHUNK_PREFIX;
                pendingChunks.computeIfAbsent(writeId, k -> new ArrayList<>())
                        .add(new ContentExtent(seg, dataAt, payload.length - SpoolRecords.CHUNK_PREFIX));
                return false;
            }
            default -> throw new IllegalArgumentException("unknown record type " + payload[0]);
        }
    }
}
