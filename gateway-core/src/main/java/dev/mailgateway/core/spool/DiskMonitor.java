package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's view of its disk: free space (read at most once a second, never on an event
 * loop) and writability after an I/O error, with the once-a-second probe that brings it back
 * ({@link SegmentLog#probe}: write, force and delete a small file; a segment is opened only
 * when that works, so a failing disk costs no segment number per probe).
 *
 * <p>Threads: {@link #freeDiskMb()} and {@link #writable()} are volatile reads for any thread;
 * everything else runs on the spool's writer thread.
 */
final class DiskMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(FileSpool.class); // the spool's log lines
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path dir;
    private final FileStore fileStore;
    private volatile boolean writable = true;
    private volatile long freeDiskMb;
    // writer thread
    private long diskCheckedAt;
    private long nextProbeAt;

    DiskMonitor(Path dir, FileStore fileStore, boolean directoryWritable) {
        this.dir = dir;
        this.fileStore = fileStore;
        long now = System.nanoTime();
        refresh(now);
        nextProbeAt = now;
        if (!directoryWritable) {
            writable = false; // the writer probes until it can create a segment
            LOG.error("spool {}: directory is not writable", dir);
        }
    }

    long freeDiskMb() {
        return freeDiskMb;
    }

    boolean writable() {
        return writable;
    }

    /** After a failed write: not writable, first probe in a second. */
    void failed(long now) {
        writable = false;
        nextProbeAt = now + SECOND_NANOS;
    }

    /** Re-reads free space when a second has passed. */
    void refreshIfDue(long now) {
        if (now - diskCheckedAt >= SECOND_NANOS) {
            refresh(now);
        }
    }

    /** While not writable and a probe is due: probes; true when the spool became writable again. */
    boolean probeIfDue(long now, SegmentLog segments) {
        if (writable || now - nextProbeAt < 0) {
            return false;
        }
        try {
            segments.probe();
            writable = true;
            return true;
        } catch (IOException e) {
            nextProbeAt = now + SECOND_NANOS;
            LOG.debug("spool {}: still not writable: {}", dir, e.toString());
            return false;
        }
    }

    private void refresh(long now) {
        diskCheckedAt = now;
        try {
            freeDiskMb = fileStore.getUsableSpace() >> 20;
        } catch (IOException e) {
            LOG.warn("spool {}: cannot read free disk space: {}", dir, e.toString());
        }
    }
}
