package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The spool directory: created if missing, locked for one gateway ({@code spool.lock}, an
 * exclusive OS lock: two spools writing one directory would corrupt each other), and the
 * sequence number the next new segment takes (one past the highest segment file found).
 *
 * <p>Threads: opened by the constructing thread (start-up); {@link #release} is called once by
 * the spool's writer thread when it stops.
 */
final class SpoolDirectory {

    final Path dir;
    /** The first sequence number after every segment found at start: new segments start here. */
    final long firstNewSeq;
    private final FileChannel lockChannel;

    private SpoolDirectory(Path dir, FileChannel lockChannel, long firstNewSeq) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.firstNewSeq = firstNewSeq;
    }

    /**
     * @throws IllegalStateException when another spool holds the lock
     * @throws IOException           when the directory cannot be created or listed
     */
    static SpoolDirectory open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel lock = lock(dir);
        try {
            long maxSeq = -1;
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    maxSeq = Math.max(maxSeq, Segment.parseSeq(p.getFileName().toString()));
                }
            }
            return new SpoolDirectory(dir, lock, maxSeq + 1);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("spool.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() != null) {
                return ch;
            }
        } catch (OverlappingFileLockException e) {
            // held by another FileSpool of this JVM
        }
        ch.close();
        throw new IllegalStateException("spool directory " + dir
                + " is in use by another gateway (spool.lock is held); close that spool first");
    }

    /** Releases {@code spool.lock}. */
    void release() throws IOException {
        lockChannel.close();
    }
}
