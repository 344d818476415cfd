package dev.mailgateway.core.spool;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import io.netty.buffer.ByteBuf;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool: append-only segment files under {@code <emailsDir>/spool/}, each record
 * length-prefixed and CRC32C-checked (format in {@link SpoolRecords}, docs/spool.md).
 *
 * <p>Threads: every public method may be called from any thread and only hands work over.
 * One writer thread, {@code spool-writer}, owns the files: it drains pending appends, outcome
 * records and reads from a lock-free MPSC queue in batches, writes the batch, forces once
 * (group commit, when {@code spool.fsync} is true) and then completes every future of the
 * batch. Futures therefore complete on {@code spool-writer}; callers hop back to their loop.
 *
 * <p>State: the live messages are in a concurrent sorted map (read by any thread, written by
 * the writer only). Each segment counts its live messages; segments are deleted oldest first
 * once they hold no live message, and the few live stragglers of an old, mostly dead segment
 * are copied forward so one slow message cannot pin the whole spool.
 *
 * <p>Parts, all on the writer thread unless noted: this class (the any-thread API, the
 * hand-off queue, the writer loop with batching and group commit, recovery, the disk probe,
 * the directory lock); {@link SegmentLog} (segment files, staging, force, rollover, the probe
 * file); {@link ContentChunks} (a streamed content's CHUNK records and their pins);
 * {@link ContentReader} (reads across inline and chunked contents); {@link ContentCache}
 * (small contents kept in memory); {@link SegmentCompactor} (deletion and copy-forward);
 * {@link SegmentScanner} (recovery, resync past damage); {@link SpoolRecords} (the format).
 *
 * <p>Failure: an {@link IOException} while writing fails every future of the batch (the
 * caller replies 451), seals the segment and makes {@link #writable()} false (one ERROR line).
 * While not writable the writer touches no segment: appends, upload chunks and commits fail
 * at once (no 250), outcome records are held in memory, reads are still served; once a second
 * it probes ({@link SegmentLog#probe}), and when that works it serves again (one INFO line)
 * and writes the held outcomes.
 */
public final class FileSpool implements Spool {

    private static final Logger LOG = LoggerFactory.getLogger(FileSpool.class);

    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Contents under this size stay in memory while live (no disk read for the relay). */
    static final int CACHE_MAX_CONTENT = 256 * 1024;
    static final long DEFAULT_CACHE_BUDGET = 64L << 20;
    /** Contents above this are written as CHUNK records + COMMIT, never as one inline record. */
    static final int INLINE_MAX = 1 << 20;
    private static final int MAX_BATCH_OPS = 4096;
    private static final long MAX_BATCH_BYTES = 16L << 20;
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How long outcome records may stay written but unforced when no append forces them. */
    private static final long UNFORCED_OUTCOME_NANOS = TimeUnit.SECONDS.toNanos(1);

    // any thread
    private final Path dir;
    private final long segmentBytes;
    private final SpoolMetrics metrics;
    private final FileStore fileStore;
    private final MessagePassingQueue<Op> ops = new MpscUnboundedXaddArrayQueue<>(1024);
    private final AtomicBoolean writerSleeping = new AtomicBoolean();
    private final AtomicLong writeIds = new AtomicLong(new SecureRandom().nextLong());
    private final ConcurrentSkipListMap<QueueId, SpoolEntry> live = new ConcurrentSkipListMap<>();
    private final Thread writer;
    private final long firstNewSeq;
    private final FileChannel lockChannel;
    private volatile int liveCount;
    private volatile boolean writable = true;
    private volatile boolean closed;
    private volatile long freeDiskMb;

    // spool-writer thread only
    private final SegmentLog segments;
    private final ContentCache cache;
    private final SegmentCompactor compactor;
    private long diskCheckedAt;
    private long nextProbeAt;
    /** Outcome records that arrived while not writable: written once the probe succeeds. */
    private final List<Outcome> heldOutcomes = new ArrayList<>();
    private boolean recovered;

    public FileSpool(Path spoolDir, SpoolConfig config, GatewayMetrics metrics) {
        this(spoolDir, config, metrics, DEFAULT_SEGMENT_BYTES, DEFAULT_CACHE_BUDGET);
    }

    /** For tests: small segments exercise rollover and deletion. */
    FileSpool(Path spoolDir, SpoolConfig config, GatewayMetrics metrics, long segmentBytes,
            long cacheBudget) {
        this(spoolDir, config, metrics, segmentBytes, cacheBudget, SegmentLog.ChannelOpener.DEFAULT);
    }

    /** For tests: {@code opener} may hand out channels that fail on demand (disk errors). */
    FileSpool(Path spoolDir, SpoolConfig config, GatewayMetrics metrics, long segmentBytes,
            long cacheBudget, SegmentLog.ChannelOpener opener) {
        this.dir = spoolDir;
        this.segmentBytes = segmentBytes;
        this.metrics = new SpoolMetrics(metrics);
        try {
            Files.createDirectories(spoolDir);
            this.lockChannel = lock(spoolDir);
            this.fileStore = Files.getFileStore(spoolDir);
            long maxSeq = -1;
            try (var files = Files.list(spoolDir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    maxSeq = Math.max(maxSeq, Segment.parseSeq(p.getFileName().toString()));
                }
            }
            this.firstNewSeq = maxSeq + 1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool directory " + spoolDir, e);
        }
        this.segments = new SegmentLog(spoolDir, config.fsync(), segmentBytes, firstNewSeq, this.metrics, opener);
        this.cache = new ContentCache(CACHE_MAX_CONTENT, cacheBudget);
        this.compactor = new SegmentCompactor(spoolDir, segments, live, segmentBytes, INLINE_MAX, writeIds, cache,
                this::release, e -> onWriteError(e, List.of()));
        refreshDisk(System.nanoTime());
        nextProbeAt = System.nanoTime();
        if (!Files.isWritable(spoolDir)) {
            writable = false; // the writer probes until it can create a segment
            LOG.error("spool {}: directory is not writable", spoolDir);
        }
        metrics.gauge(SpoolMetrics.SPOOL_LIVE, this::liveCount);
        metrics.gauge(SpoolMetrics.DISK_FREE_MB, this::freeDiskMb);
        this.writer = new Thread(this::writerLoop, "spool-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Two spools writing one directory would corrupt each other: hold an exclusive lock. */
    private static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("spool.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() != null) {
                return ch;
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            // held by another FileSpool of this JVM
        }
        ch.close();
        throw new IllegalStateException("spool directory " + dir
                + " is in use by another gateway (spool.lock is held); close that spool first");
    }

    // ---------------------------------------------------------------- public API (any thread)

    @Override
    public List<SpooledMessage> recover() {
        CompletableFuture<List<SpooledMessage>> done = new CompletableFuture<>();
        submit(new Recover(done));
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recovering the spool", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("spool recovery failed", e.getCause());
        }
    }

    @Override
    public CompletableFuture<SpooledMessage> append(Envelope envelope, byte[] content) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
        CompletableFuture<SpooledMessage> done = new CompletableFuture<>();
        submit(new Append(SpooledMessage.fresh(envelope), content, done));
        return done;
    }

    @Override
    public SpoolUpload begin() {
        return new Upload(writeIds.incrementAndGet());
    }

    /**
     * {@inheritDoc} A cached content returns an already completed future (no thread hop);
     * the array is shared with the spool's cache: do not modify it.
     */
    @Override
    public CompletableFuture<byte[]> readContent(QueueId id) {
        SpoolEntry e = live.get(id);
        if (e != null) {
            byte[] cached = e.cached;
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
        }
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        submit(new Read(id, 0, Integer.MAX_VALUE, done));
        return done;
    }

    @Override
    public CompletableFuture<byte[]> readContent(QueueId id, long offset, int maxBytes) {
        if (offset < 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("offset " + offset + ", maxBytes " + maxBytes);
        }
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        submit(new Read(id, offset, maxBytes, done));
        return done;
    }

    @Override
    public long contentLength(QueueId id) {
        SpoolEntry e = live.get(id);
        return e == null ? -1 : e.contentLength;
    }

    /** {@inheritDoc} An id that is not live (already final, unknown) completes without a record. */
    @Override
    public CompletableFuture<Void> recordOutcomes(QueueId id, int attempt,
            List<RecipientOutcome> outcomes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(new Outcome(id, attempt, List.copyOf(outcomes), done));
        return done;
    }

    @Override
    public int liveCount() {
        return liveCount;
    }

    @Override
    public List<SpooledMessage> oldest(int limit) {
        List<SpooledMessage> out = new ArrayList<>(Math.min(Math.max(limit, 0), 1024));
        for (SpoolEntry e : live.values()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e.message);
        }
        return out;
    }

    /** {@inheritDoc} Refreshed by the writer thread at most once a second: no syscall here. */
    @Override
    public long freeDiskMb() {
        return freeDiskMb;
    }

    @Override
    public boolean writable() {
        return writable && !closed;
    }

    /** Writes and forces what is pending, stops the writer and closes the files. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        ops.offer(new Stop(done));
        wakeWriter();
        try {
            done.get(30, TimeUnit.SECONDS);
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.error("spool {}: close did not finish cleanly", dir, e);
        }
    }

    private void submit(Op op) {
        if (closed) {
            op.fail(new IllegalStateException("spool is closed"));
            return;
        }
        ops.offer(op);
        wakeWriter();
    }

    private void wakeWriter() {
        // only the producer that finds the writer asleep pays for an unpark
        if (writerSleeping.get() && writerSleeping.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    // ------------------------------------------------------------------ the writer thread

    private void writerLoop() {
        List<Op> batch = new ArrayList<>();
        Stop stop = null;
        while (stop == null) {
            batch.clear();
            long bytes = 0;
            Op op;
            while (batch.size() < MAX_BATCH_OPS && bytes < MAX_BATCH_BYTES
                    && (op = ops.relaxedPoll()) != null) {
                batch.add(op);
                if (op instanceof Append a) {
                    bytes += a.content.length;
                } else if (op instanceof Chunk c) {
                    bytes += c.data.readableBytes();
                }
            }
            try {
                if (batch.isEmpty()) {
                    housekeeping();
                    park();
                    continue;
                }
                stop = process(batch);
                housekeeping();
            } catch (RuntimeException | Error e) {
                dev.mailgateway.core.util.FatalErrors.haltOnOutOfMemory(e, "the spool writer");
                // never let the writer die: every caller would hang on its future
                LOG.error("spool {}: unexpected error in the writer", dir, e);
                for (Op o : batch) {
                    o.fail(e);
                }
            }
        }
        shutDownWriter(stop);
    }

    private void park() {
        writerSleeping.set(true);
        if (!ops.isEmpty()) {
            writerSleeping.set(false);
            return;
        }
        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        writerSleeping.set(false);
    }

    /** Stages every write of the batch, writes and forces once, then completes. */
    private Stop process(List<Op> batch) {
        List<Runnable> onDurable = new ArrayList<>();
        List<Op> written = new ArrayList<>();
        IOException error = null;
        Stop stop = null;
        boolean appended = false;
        boolean refuse = !writable; // after a write error: no disk writes until the probe works
        for (Op op : batch) {
            try {
                if (op instanceof Read r) {
                    serveRead(r);
                } else if (op instanceof Recover r) {
                    r.done.complete(recoverOnWriter());
                } else if (op instanceof Stop s) {
                    stop = s;
                } else if (op instanceof Abort a) {
                    a.upload.content.unpin();
                } else if (refuse && op instanceof Outcome o) {
                    heldOutcomes.add(o); // journal writes wait for the disk; nothing is lost meanwhile
                } else if (refuse) {
                    failOnWriter(op, notWritable());
                } else if (error != null) {
                    failOnWriter(op, error);
                } else {
                    written.add(op);
                    if (op instanceof Append a) {
                        appended = true;
                        stageAppend(a, onDurable);
                    } else if (op instanceof Outcome o) {
                        stageOutcome(o, onDurable);
                    } else if (op instanceof Chunk c) {
                        stageChunk(c, onDurable);
                    } else if (op instanceof Commit c) {
                        appended = true;
                        stageCommit(c, onDurable);
                    }
                }
            } catch (IOException e) {
                error = e;
            } catch (RuntimeException e) {
                written.remove(op);
                failOnWriter(op, e);
            }
        }
        if (error == null) {
            try {
                if (appended) {
                    segments.commit(false); // one force for the whole batch: group commit
                } else {
                    // outcomes only: losing them in a power cut means a redelivery, never a
                    // loss, so they ride on the next append's force (or the age bound below)
                    // instead of costing an fsync per delivery
                    segments.writeUnforced();
                }
            } catch (IOException e) {
                error = e;
            }
        }
        if (error != null) {
            onWriteError(error, written);
        } else {
            for (Runnable r : onDurable) {
                r.run();
            }
        }
        return stop;
    }

    /** Fails an operation on the writer thread: an upload's commit also gives up its pinned bytes. */
    private static void failOnWriter(Op op, Throwable t) {
        op.fail(t);
        if (op instanceof Commit c) {
            c.upload.content.unpin();
        }
    }

    private void stageChunk(Chunk c, List<Runnable> onDurable) throws IOException {
        Upload u = c.upload;
        try {
            if (u.failed != null || u.content.finished) {
                c.done.completeExceptionally(u.failed != null ? u.failed
                        : new IllegalStateException("upload already committed or aborted"));
                return;
            }
            u.content.write(segments, c.data.nioBuffer());
        } finally {
            c.releaseData(); // staged (copied) or written by now, or failed
        }
        onDurable.add(() -> c.done.complete(null));
    }

    private void stageCommit(Commit c, List<Runnable> onDurable) throws IOException {
        Upload u = c.upload;
        if (u.failed != null || u.content.finished) {
            c.done.completeExceptionally(u.failed != null
                    ? new IOException("spool write failed: " + u.failed.getMessage(), u.failed)
                    : new IllegalStateException("upload already committed or aborted"));
            u.content.unpin();
            return;
        }
        stageCommitRecord(u.content, c.message, onDurable, c.done);
    }

    private void stageCommitRecord(ContentChunks content, SpooledMessage m, List<Runnable> onDurable,
            CompletableFuture<SpooledMessage> done) throws IOException {
        ByteBuffer record = content.commitRecord(m);
        Segment seg = segments.segmentFor(record.remaining());
        segments.write(record);
        onDurable.add(() -> {
            int length = (int) content.bytes();
            SpoolEntry e = new SpoolEntry(m, seg, content.take(), length); // the entry owns the pins now
            seg.live++;
            install(e);
            done.complete(m);
        });
    }

    private void install(SpoolEntry e) {
        SpoolEntry old = live.put(e.message.id(), e);
        if (old != null) {
            release(old); // a re-sent failed message keeps its id: the new copy replaces it
        } else {
            liveCount++;
        }
        metrics.spoolAppends.inc();
    }

    private void stageAppend(Append a, List<Runnable> onDurable) throws IOException {
        if (a.content.length > INLINE_MAX) {
            // large contents go as chunks, so no record is ever larger than MAX_PAYLOAD_V2
            ContentChunks c = new ContentChunks(writeIds.incrementAndGet());
            for (int off = 0; off < a.content.length; off += INLINE_MAX) {
                c.write(segments, ByteBuffer.wrap(a.content, off, Math.min(INLINE_MAX, a.content.length - off)));
            }
            stageCommitRecord(c, a.message, onDurable, a.done);
            return;
        }
        ByteBuffer header = SpoolRecords.messageHeader(a.message, a.content);
        long recordLength = header.remaining() + (long) a.content.length;
        Segment seg = segments.segmentFor(recordLength);
        long contentPosition = seg.size + header.remaining();
        segments.write(header);
        segments.write(ByteBuffer.wrap(a.content));
        onDurable.add(() -> installAppend(a, seg, contentPosition));
    }

    private void installAppend(Append a, Segment seg, long contentPosition) {
        SpooledMessage m = a.message;
        int length = a.content.length;
        SpoolEntry e = new SpoolEntry(m, seg, contentPosition, length);
        cache.offer(e, a.content);
        e.countIn(1);
        install(e);
        a.done.complete(m);
    }

    private void stageOutcome(Outcome o, List<Runnable> onDurable) throws IOException {
        SpoolEntry e = live.get(o.id);
        if (e == null) {
            onDurable.add(() -> o.done.complete(null));
            return;
        }
        SpooledMessage m = e.message;
        Set<String> done = new HashSet<>();
        for (RecipientOutcome r : o.outcomes) {
            if (r.status().isFinal()) {
                done.add(r.recipient());
            }
        }
        List<String> pending = new ArrayList<>(m.pendingRecipients().size());
        for (String r : m.pendingRecipients()) {
            if (!done.contains(r)) {
                pending.add(r);
            }
        }
        int attempts = Math.max(m.attempts(), o.attempt);
        ByteBuffer record = SpoolRecords.stateRecord(o.id, attempts, m.envelope().recipients(), pending);
        segments.segmentFor(record.remaining());
        segments.write(record);
        // memory runs ahead of the disk: if this batch fails the worst case after a crash is
        // a redelivery (at-least-once), never a loss
        e.message = new SpooledMessage(m.envelope(), pending, attempts);
        if (pending.isEmpty()) {
            live.remove(o.id, e);
            liveCount--;
            release(e);
        }
        onDurable.add(() -> o.done.complete(null));
    }

    private void serveRead(Read r) {
        SpoolEntry e = live.get(r.id);
        if (e == null) {
            r.done.completeExceptionally(new NoSuchElementException("not in the spool: " + r.id));
            return;
        }
        byte[] cached = e.cached;
        if (cached != null && r.offset == 0 && r.maxBytes >= cached.length) {
            r.done.complete(cached);
            return;
        }
        try {
            r.done.complete(ContentReader.read(e, r.offset, r.maxBytes));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("spool {}: cannot read {} from segment {}: {}", dir, r.id, e.segment, ex.toString());
            r.done.completeExceptionally(ex);
        }
    }

    private void release(SpoolEntry e) {
        e.countIn(-1);
        cache.drop(e);
    }

    private void onWriteError(IOException error, List<Op> failed) {
        metrics.spoolWriteErrors.inc();
        writable = false;
        nextProbeAt = System.nanoTime() + SECOND_NANOS;
        LOG.error("spool {}: write failed in segment {}: {}; {} pending writes refused, "
                + "probing every second", dir, segments.current(), error.toString(), failed.size());
        segments.sealAfterError(); // it may end in a torn record; the next write opens a new segment
        IOException cause = new IOException("spool write failed: " + error.getMessage(), error);
        for (Op op : failed) {
            failOnWriter(op, cause);
        }
    }

    private void housekeeping() {
        long now = System.nanoTime();
        if (now - diskCheckedAt >= SECOND_NANOS) {
            refreshDisk(now);
        }
        if (!writable && now - nextProbeAt >= 0) {
            probe(now);
        }
        if (writable) {
            try {
                segments.forceIfUnforcedFor(now, UNFORCED_OUTCOME_NANOS);
            } catch (IOException e) {
                LOG.warn("spool {}: cannot force outcome records: {}", dir, e.toString());
            }
            compactor.reclaim();
        }
    }

    private void refreshDisk(long now) {
        diskCheckedAt = now;
        try {
            freeDiskMb = fileStore.getUsableSpace() >> 20;
        } catch (IOException e) {
            LOG.warn("spool {}: cannot read free disk space: {}", dir, e.toString());
        }
    }

    private static IOException notWritable() {
        return new IOException("the spool is not writable after a disk error (probing once a second)");
    }

    private void probe(long now) {
        try {
            segments.probe();
            writable = true;
            LOG.info("spool {}: writable again (segment {}); writing {} held outcome records", dir,
                    segments.current(), heldOutcomes.size());
            for (Outcome o : heldOutcomes) {
                ops.offer(o);
            }
            heldOutcomes.clear();
        } catch (IOException e) {
            nextProbeAt = now + SECOND_NANOS;
            LOG.debug("spool {}: still not writable: {}", dir, e.toString());
        }
    }

    private List<SpooledMessage> recoverOnWriter() {
        if (recovered) {
            throw new IllegalStateException("recover() was already called");
        }
        recovered = true;
        Map<QueueId, SpoolEntry> found = new HashMap<>();
        List<Segment> old;
        try {
            old = SegmentScanner.scanAll(dir, firstNewSeq, found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool directory " + dir, e);
        }
        segments.addRecovered(old);
        List<SpooledMessage> out = new ArrayList<>(found.size());
        for (SpoolEntry e : found.values()) {
            e.countIn(1);
            if (live.putIfAbsent(e.message.id(), e) != null) {
                release(e); // appended again since start-up: the newer copy wins
                continue;
            }
            liveCount++;
            out.add(e.message);
        }
        out.sort((a, b) -> a.id().compareTo(b.id()));
        LOG.info("spool {}: recovered {} live messages from {} segments", dir, out.size(), old.size());
        return out; // dead segments are reclaimed by the housekeeping after this batch
    }

    private void shutDownWriter(Stop stop) {
        segments.close();
        Op op;
        IllegalStateException closedError = new IllegalStateException("spool is closed");
        for (Outcome o : heldOutcomes) {
            o.fail(closedError); // redelivered after the next start: at-least-once, never a loss
        }
        heldOutcomes.clear();
        while ((op = ops.poll()) != null) {
            op.fail(closedError);
        }
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            LOG.warn("spool {}: cannot release spool.lock: {}", dir, e.toString());
        }
        LOG.info("spool {}: closed with {} live messages", dir, liveCount);
        stop.done.complete(null);
    }

    // ------------------------------------------------------------------ hand-off records

    private sealed interface Op permits Append, Outcome, Read, Recover, Stop, Chunk, Commit, Abort {
        void fail(Throwable t);
    }

    /**
     * The any-thread side of one streamed content: hands chunks, the commit and the abort to the
     * writer. {@code failed} may be set from any thread; {@code content} is the writer thread's.
     */
    private final class Upload implements SpoolUpload {
        final ContentChunks content;
        volatile Throwable failed;

        Upload(long writeId) {
            this.content = new ContentChunks(writeId);
        }

        @Override
        public CompletableFuture<Void> write(ByteBuf chunk) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            submit(new Chunk(this, chunk, done));
            return done;
        }

        @Override
        public CompletableFuture<SpooledMessage> commit(Envelope envelope) {
            Objects.requireNonNull(envelope, "envelope");
            CompletableFuture<SpooledMessage> done = new CompletableFuture<>();
            submit(new Commit(this, SpooledMessage.fresh(envelope), done));
            return done;
        }

        @Override
        public void abort() {
            submit(new Abort(this));
        }

    }

    private static final class Chunk implements Op {
        final Upload upload;
        final ByteBuf data;
        final CompletableFuture<Void> done;
        private boolean released;

        Chunk(Upload upload, ByteBuf data, CompletableFuture<Void> done) {
            this.upload = upload;
            this.data = data;
            this.done = done;
        }

        void releaseData() {
            if (!released) {
                released = true;
                data.release();
            }
        }

        public void fail(Throwable t) {
            if (upload.failed == null) {
                upload.failed = t;
            }
            releaseData();
            done.completeExceptionally(t);
        }
    }

    private record Commit(Upload upload, SpooledMessage message, CompletableFuture<SpooledMessage> done)
            implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private record Abort(Upload upload) implements Op {
        public void fail(Throwable t) {
            // nothing to undo: a closed spool recovers no uncommitted content
        }
    }

    private record Append(SpooledMessage message, byte[] content,
            CompletableFuture<SpooledMessage> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private record Outcome(QueueId id, int attempt, List<RecipientOutcome> outcomes,
            CompletableFuture<Void> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private record Read(QueueId id, long offset, int maxBytes, CompletableFuture<byte[]> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private record Recover(CompletableFuture<List<SpooledMessage>> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private record Stop(CompletableFuture<Void> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }
}
