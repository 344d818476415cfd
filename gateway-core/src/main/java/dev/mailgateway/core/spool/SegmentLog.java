package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's segment files, oldest first, and the one being appended to. Bytes are staged in
 * one direct buffer and written when it fills or at {@link #commit}; records never straddle
 * segments: {@link #segmentFor} rolls over to a new file when the next record would not fit.
 *
 * <p>Threads: owned by the spool's writer thread; nothing here is thread-safe.
 */
final class SegmentLog {

    private static final Logger log = LoggerFactory.getLogger(SegmentLog.class);
    private static final int STAGING_BYTES = 1 << 20;

    private final Path dir;
    private final boolean fsync;
    private final long segmentBytes;
    private final SpoolMetrics metrics;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private final ChannelOpener opener;
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
    private Segment current;
    private long nextSeq;
    /** Bytes were staged or written since the last commit. */
    private boolean dirty;
    /** When records written by {@link #writeUnforced} were first left unforced; 0 when none are. */
    private long unforcedSince;

    /** How segment files are opened: {@code FileChannel.open}; tests inject failing channels. */
    interface ChannelOpener {
        FileChannel open(Path path) throws IOException;

        ChannelOpener DEFAULT = path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    SegmentLog(Path dir, boolean fsync, long segmentBytes, long firstSeq, SpoolMetrics metrics) {
        this(dir, fsync, segmentBytes, firstSeq, metrics, ChannelOpener.DEFAULT);
    }

    SegmentLog(Path dir, boolean fsync, long segmentBytes, long firstSeq, SpoolMetrics metrics,
            ChannelOpener opener) {
        this.opener = opener;
        this.dir = dir;
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        this.nextSeq = firstSeq;
        this.metrics = metrics;
    }

    /**
     * The segment the next record of {@code length} bytes goes to, rolling over (write and force
     * the full one, open a new one) when it would not fit. The record starts at its {@code size}.
     */
    Segment segmentFor(long length) throws IOException {
        if (current != null && current.size > SpoolRecords.SEGMENT_HEADER
                && current.size + length > segmentBytes) {
            flushStaging();
            if (fsync) {
                forceCurrent();
            }
            current = null; // sealed; stays open for reads until deleted
        }
        if (current == null) {
            openSegment();
        }
        return current;
    }

    /** Appends {@code src} to the current segment (call {@link #segmentFor} first). */
    void write(ByteBuffer src) throws IOException {
        dirty = true;
        current.size += src.remaining();
        while (src.hasRemaining()) {
            if (staging.position() == 0 && src.remaining() >= STAGING_BYTES) {
                writeFully(current.channel, src); // large content: no copy into staging
                return;
            }
            int n = Math.min(src.remaining(), staging.remaining());
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + n);
            staging.put(part);
            src.position(src.position() + n);
            if (!staging.hasRemaining()) {
                flushStaging();
            }
        }
    }

    /**
     * Writes what is staged and forces it (one fsync for the whole batch: group commit) when
     * {@code spool.fsync} is on or {@code force} asks for it. No-op when nothing was written.
     */
    void commit(boolean force) throws IOException {
        if (!dirty) {
            return;
        }
        flushStaging();
        dirty = false;
        if (fsync || force) {
            forceCurrent();
        }
    }

    /**
     * Writes what is staged without forcing it: for records whose loss in a power cut costs a
     * redelivery at most (per-recipient outcomes), never for a message before its 250. The next
     * {@link #commit} of an append forces them along, or {@link #forceIfUnforcedFor} once they
     * have waited long enough.
     */
    void writeUnforced() throws IOException {
        if (!dirty) {
            return;
        }
        flushStaging();
        dirty = false;
        if (fsync && unforcedSince == 0) {
            unforcedSince = System.nanoTime();
        }
    }

    /** Forces records {@link #writeUnforced} left behind at least {@code maxNanos} ago. */
    void forceIfUnforcedFor(long now, long maxNanos) throws IOException {
        if (unforcedSince != 0 && now - unforcedSince >= maxNanos && current != null) {
            forceCurrent();
        }
    }

    /** One fsync of the current segment; it covers whatever {@link #writeUnforced} left there. */
    private void forceCurrent() throws IOException {
        current.channel.force(false);
        metrics.spoolFsyncs.inc();
        unforcedSince = 0;
    }

    /** After a write error: drop what is staged and seal the segment (it may end torn). */
    void sealAfterError() {
        staging.clear();
        dirty = false;
        current = null;
    }

    /**
     * The writability probe (once a second while the spool is not writable): writes, forces and
     * deletes a small {@code probe.tmp}, and only when that works opens a segment if there is
     * none. A failing disk therefore costs no segment number per probe.
     */
    void probe() throws IOException {
        Path probe = dir.resolve("probe.tmp");
        Files.deleteIfExists(probe);
        try (FileChannel ch = opener.open(probe)) {
            writeFully(ch, ByteBuffer.wrap(SpoolRecords.MAGIC));
            ch.force(true);
        } finally {
            Files.deleteIfExists(probe);
        }
        if (current == null) {
            openSegment();
        }
    }

    Segment current() {
        return current;
    }

    /** Puts recovered segments, oldest first, in front of any opened since start-up. */
    void addRecovered(List<Segment> recovered) {
        for (int i = recovered.size() - 1; i >= 0; i--) {
            segments.addFirst(recovered.get(i));
        }
    }

    Segment first() {
        return segments.peekFirst();
    }

    int count() {
        return segments.size();
    }

    void deleteFirst() {
        Segment s = segments.pollFirst();
        try {
            s.channel.close();
            if (s.damage != null) {
                // recovery could not read all of it: keep it for an operator, never delete it
                Path aside = s.path.resolveSibling(s.path.getFileName() + ".damaged");
                Files.move(s.path, aside, StandardCopyOption.REPLACE_EXISTING);
                log.warn("spool {}: segment {} holds no live message any more but was damaged ({}); "
                        + "kept as {}", dir, s, s.damage, aside.getFileName());
                return;
            }
            Files.deleteIfExists(s.path);
            log.debug("spool {}: deleted segment {}", dir, s);
        } catch (IOException e) {
            log.warn("spool {}: cannot delete segment {}: {}", dir, s, e.toString());
        }
    }

    /** Writes and forces what is staged, then closes every file. */
    void close() {
        try {
            if (current != null) {
                flushStaging();
                current.channel.force(false);
            }
        } catch (IOException e) {
            log.error("spool {}: final flush failed: {}", dir, e.toString());
        }
        for (Segment s : segments) {
            try {
                s.channel.close();
            } catch (IOException e) {
                log.warn("spool {}: cannot close segment {}: {}", dir, s, e.toString());
            }
        }
    }

    private void openSegment() throws IOException {
        long seq = nextSeq++; // a name that failed once is never retried
        Path path = dir.resolve(Segment.fileName(seq));
        FileChannel ch = opener.open(path);
        try {
            writeFully(ch, ByteBuffer.wrap(SpoolRecords.MAGIC));
            if (fsync) {
                ch.force(true);
                forceDirectory();
            }
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        Segment s = new Segment(seq, path, ch, SpoolRecords.SEGMENT_HEADER);
        segments.addLast(s);
        current = s;
        log.debug("spool {}: opened segment {}", dir, s);
    }

    private void forceDirectory() throws IOException {
        // the new file's directory entry must be durable too, or a power loss may lose the file
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private void flushStaging() throws IOException {
        if (staging.position() == 0) {
            return;
        }
        staging.flip();
        try {
            writeFully(current.channel, staging);
        } finally {
            staging.clear();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
