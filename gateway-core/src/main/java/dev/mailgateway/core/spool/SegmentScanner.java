package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays one segment file at recovery, on the spool's writer thread. A record with a bad
 * CRC32C is skipped with a WARN; a length that cannot be right (too small, or past the end
 * of the file: a torn tail from a crash mid-write) ends the segment with a WARN. Nothing that
 * fails its checksum ever becomes a message.
 */
final class SegmentScanner {

    private static final Logger log = LoggerFactory.getLogger(SegmentScanner.class);

    private SegmentScanner() {
    }

    /**
     * Replays every segment numbered below {@code endSeq}, oldest first.
     *
     * @return the usable segments, oldest first
     */
    static List<Segment> scanAll(Path dir, long endSeq, Map<QueueId, SpoolEntry> entries) throws IOException {
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
        List<Segment> segments = new ArrayList<>(files.size());
        for (Path p : files) {
            Segment s = scan(p, entries);
            if (s != null) {
                segments.add(s);
            }
        }
        return segments;
    }

    /**
     * Applies the records of {@code file} to {@code entries} (MESSAGE records add or replace,
     * STATE records update or, when nothing is pending, remove).
     *
     * @return the segment, open for reading; null when the file is not a usable segment
     *         (empty: deleted; foreign or corrupt header: renamed to {@code *.corrupt})
     */
    static Segment scan(Path file, Map<QueueId, SpoolEntry> entries) throws IOException {
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
        ch.read(ByteBuffer.wrap(magic), 0);
        if (!Arrays.equals(magic, SpoolRecords.MAGIC)) {
            ch.close();
            Path aside = file.resolveSibling(name + ".corrupt");
            log.warn("spool segment {}: not a spool segment (bad header); moved to {}", name, aside.getFileName());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            return null;
        }
        long pos = SpoolRecords.SEGMENT_HEADER;
        int messages = 0;
        int skipped = 0;
        ByteBuffer header = ByteBuffer.allocate(SpoolRecords.RECORD_HEADER);
        while (pos < size) {
            if (size - pos < SpoolRecords.RECORD_HEADER) {
                log.warn("spool segment {}: torn record header at offset {} ({} bytes to the end); "
                        + "ignoring the tail", name, pos, size - pos);
                break;
            }
            header.clear();
            readFully(ch, header, pos);
            int length = header.getInt(0);
            int crc = header.getInt(4);
            if (length < SpoolRecords.MIN_PAYLOAD || length > size - pos - SpoolRecords.RECORD_HEADER) {
                log.warn("spool segment {}: torn or corrupt record at offset {} (length {}, {} bytes "
                        + "to the end); ignoring the rest of the segment", name, pos, length, size - pos);
                break;
            }
            byte[] payload = seg.read(pos + SpoolRecords.RECORD_HEADER, length);
            if (SpoolRecords.crc(payload) != crc) {
                log.warn("spool segment {}: record at offset {} ({} bytes) fails its CRC32C; skipped",
                        name, pos, length);
                skipped++;
            } else {
                try {
                    if (apply(seg, pos, payload, entries)) {
                        messages++;
                    }
                } catch (RuntimeException e) {
                    log.warn("spool segment {}: record at offset {} does not parse ({}); skipped",
                            name, pos, e.toString());
                    skipped++;
                }
            }
            pos += SpoolRecords.RECORD_HEADER + length;
        }
        log.debug("spool segment {}: {} message records, {} skipped", name, messages, skipped);
        return seg;
    }

    /** Applies one checked payload; true when it was a MESSAGE record. */
    private static boolean apply(Segment seg, long pos, byte[] payload, Map<QueueId, SpoolEntry> entries) {
        switch (payload[0]) {
            case SpoolRecords.MESSAGE -> {
                SpoolRecords.DecodedMessage d = SpoolRecords.decodeMessage(payload);
                SpooledMessage m = d.message();
                if (m.pendingRecipients().isEmpty()) {
                    entries.remove(m.id());
                } else {
                    long contentPosition = pos + SpoolRecords.RECORD_HEADER + d.contentOffset();
                    entries.put(m.id(), new SpoolEntry(m, seg, contentPosition, d.contentLength()));
                }
                return true;
            }
            case SpoolRecords.STATE -> {
                SpoolRecords.DecodedState s = SpoolRecords.decodeState(payload);
                SpoolEntry e = entries.get(s.id());
                if (e == null) {
                    return false; // the message's segment is gone: it was final
                }
                SpooledMessage m = e.message;
                List<String> pending = s.pendingOf(m.envelope().recipients());
                if (pending == null) {
                    log.warn("spool: state record for {} does not match its message ({} recipients); "
                            + "skipped", s.id(), s.recipientCount());
                    return false;
                }
                if (pending.isEmpty()) {
                    entries.remove(s.id());
                } else {
                    e.message = new SpooledMessage(m.envelope(), pending, Math.max(m.attempts(), s.attempts()));
                }
                return false;
            }
            default -> throw new IllegalArgumentException("unknown record type " + payload[0]);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of segment");
            }
        }
    }
}
