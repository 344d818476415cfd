package dev.mailgateway.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.function.BooleanSupplier;

/**
 * A real segment channel that fails with EIO on demand, for the spool's disk-error tests
 * (hand it out through a {@link SegmentLog.ChannelOpener}): every write, force, truncate and
 * transfer into the file fails while {@code writesFail} says so; a positional read (how the
 * spool reads records back) fails while {@code readsFail} says so. Everything else passes through.
 */
final class FaultyChannel extends FileChannel {

    private final FileChannel d;
    private final BooleanSupplier writesFail;
    private final BooleanSupplier readsFail;

    FaultyChannel(FileChannel d, BooleanSupplier writesFail, BooleanSupplier readsFail) {
        this.d = d;
        this.writesFail = writesFail;
        this.readsFail = readsFail;
    }

    /** Writes fail while {@code failing} says so; reads pass. */
    static SegmentLog.ChannelOpener failingWrites(BooleanSupplier failing) {
        return path -> new FaultyChannel(SegmentLog.ChannelOpener.DEFAULT.open(path), failing, () -> false);
    }

    /** Positional reads fail while {@code failing} says so; writes pass. */
    static SegmentLog.ChannelOpener failingReads(BooleanSupplier failing) {
        return path -> new FaultyChannel(SegmentLog.ChannelOpener.DEFAULT.open(path), () -> false, failing);
    }

    private static void fail(BooleanSupplier when) throws IOException {
        if (when.getAsBoolean()) {
            throw new IOException("Input/output error (injected)");
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return d.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        fail(readsFail);
        return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        fail(writesFail);
        return d.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        fail(writesFail);
        return d.write(srcs, offset, length);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        fail(writesFail);
        return d.write(src, position);
    }

    @Override
    public long position() throws IOException {
        return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        d.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        fail(writesFail);
        d.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        fail(writesFail);
        d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        fail(writesFail);
        return d.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        d.close();
    }
}
