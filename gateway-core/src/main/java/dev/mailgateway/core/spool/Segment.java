package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One append-only segment file of the spool, {@code <spoolDir>/<seq>.seg}. Owned by the
 * spool's writer thread: nothing here is touched from another thread.
 */
final class Segment {

    final long seq;
    final Path path;
    final FileChannel channel;
    /** Bytes written (or, for a recovered segment, its file size). */
    long size;
    /** Live messages whose latest MESSAGE record is in this segment. */
    int live;
    /** Content bytes of those live messages (drives copy-forward of stragglers). */
    long liveBytes;
    /**
     * What recovery could not read in this segment (byte ranges), or null when intact. A
     * damaged segment is moved aside ({@code *.seg.damaged}) instead of deleted.
     */
    String damage;

    Segment(long seq, Path path, FileChannel channel, long size) {
        this.seq = seq;
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static String fileName(long seq) {
        return String.format("%020d.seg", seq);
    }

    /** The sequence number of a segment file name, or -1 when the name is not a segment's. */
    static long parseSeq(String fileName) {
        if (fileName.length() != 24 || !fileName.endsWith(".seg")) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(fileName.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(fileName.substring(0, 20));
    }

    /** Reads exactly {@code length} bytes at {@code position} into {@code b} (its remaining bytes). */
    void readInto(long position, ByteBuffer b) throws IOException {
        int start = b.position();
        while (b.hasRemaining()) {
            int n = channel.read(b, position + b.position() - start);
            if (n < 0) {
                throw new IOException("segment " + path.getFileName() + " ends at "
                        + (position + b.position() - start));
            }
        }
    }

    /** Reads exactly {@code length} bytes at {@code position}. */
    byte[] read(long position, int length) throws IOException {
        byte[] out = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(out);
        while (b.hasRemaining()) {
            int n = channel.read(b, position + b.position());
            if (n < 0) {
                throw new IOException("segment " + path.getFileName() + " ends at "
                        + (position + b.position()) + ", wanted " + length + " bytes at " + position);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
