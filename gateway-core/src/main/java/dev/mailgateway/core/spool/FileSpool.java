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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
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
 * <p>Failure: an {@link IOException} while writing fails every future of the batch (the
 * caller replies 451), seals the segment and makes {@link #writable()} false; the writer
 * then probes once a second by opening a fresh segment, and serves again as soon as that works.
 */
public final class FileSpool implements Spool {

    private static final Logger log = LoggerFactory.getLogger(FileSpool.class);

    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Contents under this size stay in memory while live (no disk read for the relay). */
    static final int CACHE_MAX_CONTENT = 256 * 1024;
    static final long DEFAULT_CACHE_BUDGET = 64L << 20;
    private static final int MAX_BATCH_OPS = 4096;
    private static final long MAX_BATCH_BYTES = 16L << 20;
    private static final int STAGING_BYTES = 1 << 20;
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    // any thread
    private final Path dir;
    private final boolean fsync;
    private final long segmentBytes;
    private final long cacheBudget;
    private final GatewayMetrics metrics;
    private final FileStore fileStore;
    private final MessagePassingQueue<Op> ops = new MpscUnboundedXaddArrayQueue<>(1024);
    private final AtomicBoolean writerSleeping = new AtomicBoolean();
    private final ConcurrentSkipListMap<QueueId, SpoolEntry> live = new ConcurrentSkipListMap<>();
    private final Thread writer;
    private final long firstNewSeq;
    private final FileChannel lockChannel;
    private volatile int liveCount;
    private volatile boolean writable = true;
    private volatile boolean closed;
    private volatile long freeDiskMb;

    // spool-writer thread only
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
    private Segment current;
    private long nextSeq;
    private long cachedBytes;
    private long diskCheckedAt;
    private long nextProbeAt;
    private boolean recovered;
    /** Bytes were staged or written since the last force. */
    private boolean dirty;

    public FileSpool(Path spoolDir, SpoolConfig config, GatewayMetrics metrics) {
        this(spoolDir, config, metrics, DEFAULT_SEGMENT_BYTES, DEFAULT_CACHE_BUDGET);
    }

    /** For tests: small segments exercise rollover and deletion. */
    FileSpool(Path spoolDir, SpoolConfig config, GatewayMetrics metrics, long segmentBytes,
            long cacheBudget) {
        this.dir = spoolDir;
        this.fsync = config.fsync();
        this.segmentBytes = segmentBytes;
        this.cacheBudget = cacheBudget;
        this.metrics = metrics;
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
            this.nextSeq = firstNewSeq;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool directory " + spoolDir, e);
        }
        refreshDisk(System.nanoTime());
        nextProbeAt = System.nanoTime();
        if (!Files.isWritable(spoolDir)) {
            writable = false; // the writer probes until it can create a segment
            log.error("spool {}: directory is not writable", spoolDir);
        }
        metrics.gauge(GatewayMetrics.SPOOL_LIVE, this::liveCount);
        metrics.gauge(GatewayMetrics.DISK_FREE_MB, this::freeDiskMb);
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

    /** {@inheritDoc} The returned array is shared with the spool's cache: do not modify it. */
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
        submit(new Read(id, done));
        return done;
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
            log.error("spool {}: close did not finish cleanly", dir, e);
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
                // never let the writer die: every caller would hang on its future
                log.error("spool {}: unexpected error in the writer", dir, e);
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
        for (Op op : batch) {
            try {
                if (op instanceof Read r) {
                    serveRead(r);
                } else if (op instanceof Recover r) {
                    r.done.complete(recoverOnWriter());
                } else if (op instanceof Stop s) {
                    stop = s;
                } else if (error != null) {
                    op.fail(error);
                } else {
                    written.add(op);
                    if (op instanceof Append a) {
                        stageAppend(a, onDurable);
                    } else if (op instanceof Outcome o) {
                        stageOutcome(o, onDurable);
                    }
                }
            } catch (IOException e) {
                error = e;
            } catch (RuntimeException e) {
                written.remove(op);
                op.fail(e);
            }
        }
        if (error == null && dirty) {
            try {
                flushStaging();
                dirty = false;
                if (fsync) {
                    current.channel.force(false);
                    metrics.spoolFsyncs.inc();
                }
            } catch (IOException e) {
                error = e;
            }
        }
        if (error != null) {
            onWriteError(error, written);
        } else {
            if (!written.isEmpty() && !writable) {
                writable = true;
                log.info("spool {}: writes work again", dir);
            }
            for (Runnable r : onDurable) {
                r.run();
            }
        }
        return stop;
    }

    private void stageAppend(Append a, List<Runnable> onDurable) throws IOException {
        ByteBuffer header = SpoolRecords.messageHeader(a.message, a.content);
        long recordLength = header.remaining() + (long) a.content.length;
        Segment seg = segmentFor(recordLength);
        long contentPosition = seg.size + header.remaining();
        stage(header);
        stage(ByteBuffer.wrap(a.content));
        seg.size += recordLength;
        onDurable.add(() -> installAppend(a, seg, contentPosition));
    }

    private void installAppend(Append a, Segment seg, long contentPosition) {
        SpooledMessage m = a.message;
        int length = a.content.length;
        SpoolEntry e = new SpoolEntry(m, seg, contentPosition, length);
        if (length < CACHE_MAX_CONTENT && cachedBytes + length <= cacheBudget) {
            e.cached = a.content;
            cachedBytes += length;
        }
        SpoolEntry old = live.put(m.id(), e);
        if (old != null) {
            release(old); // a re-sent failed message keeps its id: the new copy replaces it
        } else {
            liveCount++;
        }
        seg.live++;
        seg.liveBytes += length;
        metrics.spoolAppends.inc();
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
        Segment seg = segmentFor(record.remaining());
        stage(record);
        seg.size += record.limit();
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
        if (cached != null) {
            r.done.complete(cached);
            return;
        }
        try {
            r.done.complete(e.segment.read(e.contentPosition, e.contentLength));
        } catch (IOException ex) {
            log.warn("spool {}: cannot read {} from segment {}: {}", dir, r.id, e.segment, ex.toString());
            r.done.completeExceptionally(ex);
        }
    }

    private void release(SpoolEntry e) {
        e.segment.live--;
        e.segment.liveBytes -= e.contentLength;
        if (e.cached != null) {
            cachedBytes -= e.contentLength;
            e.cached = null;
        }
    }

    /** The segment the next record of {@code length} bytes goes to, rolling over when full. */
    private Segment segmentFor(long length) throws IOException {
        if (current != null && current.size > SpoolRecords.SEGMENT_HEADER
                && current.size + length > segmentBytes) {
            flushStaging();
            if (fsync) {
                current.channel.force(false);
                metrics.spoolFsyncs.inc();
            }
            current = null; // sealed; stays open for reads until deleted
        }
        if (current == null) {
            openSegment();
        }
        return current;
    }

    private void openSegment() throws IOException {
        long seq = nextSeq++; // a name that failed once is never retried
        Path path = dir.resolve(Segment.fileName(seq));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
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

    private void stage(ByteBuffer src) throws IOException {
        dirty = true;
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

    private void onWriteError(IOException error, List<Op> failed) {
        metrics.spoolWriteErrors.inc();
        writable = false;
        nextProbeAt = System.nanoTime() + SECOND_NANOS;
        staging.clear();
        dirty = false;
        log.error("spool {}: write failed in segment {}: {}; {} pending writes refused, "
                + "probing every second", dir, current, error.toString(), failed.size());
        current = null; // sealed: it may end in a torn record; the next write opens a new one
        IOException cause = new IOException("spool write failed: " + error.getMessage(), error);
        for (Op op : failed) {
            op.fail(cause);
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
            reclaimSegments();
        }
    }

    private void refreshDisk(long now) {
        diskCheckedAt = now;
        try {
            freeDiskMb = fileStore.getUsableSpace() >> 20;
        } catch (IOException e) {
            log.warn("spool {}: cannot read free disk space: {}", dir, e.toString());
        }
    }

    private void probe(long now) {
        try {
            if (current == null) {
                openSegment();
            }
            writable = true;
            log.info("spool {}: writable again (segment {})", dir, current);
        } catch (IOException e) {
            nextProbeAt = now + SECOND_NANOS;
            log.debug("spool {}: still not writable: {}", dir, e.toString());
        }
    }

    /**
     * Deletes segments oldest first once they hold no live message. Deletion goes in order
     * because the STATE record that made a message final may sit in a later segment: deleting
     * that later segment first would bring the message back to life at the next recovery. A sealed old segment whose few live messages hold at most
     * 1/8 of a segment is compacted: its live messages are copied forward, then it is deleted.
     */
    private void reclaimSegments() {
        for (int guard = 0; guard < 10_000; guard++) {
            Segment first = segments.peekFirst();
            if (first == null || first == current) {
                return;
            }
            if (first.live == 0) {
                deleteSegment(segments.pollFirst());
                continue;
            }
            if (segments.size() < 3 || first.liveBytes > segmentBytes / 8 || !copyForward(first)) {
                return;
            }
        }
    }

    private void deleteSegment(Segment s) {
        try {
            s.channel.close();
            Files.deleteIfExists(s.path);
            log.debug("spool {}: deleted segment {}", dir, s);
        } catch (IOException e) {
            log.warn("spool {}: cannot delete segment {}: {}", dir, s, e.toString());
        }
    }

    /** Rewrites the live messages of {@code from} at the end of the spool; true on success. */
    private boolean copyForward(Segment from) {
        List<SpoolEntry> movers = new ArrayList<>(from.live);
        for (SpoolEntry e : live.values()) {
            if (e.segment == from) {
                movers.add(e);
            }
        }
        List<Runnable> relocate = new ArrayList<>(movers.size());
        try {
            for (SpoolEntry e : movers) {
                byte[] content = e.cached != null ? e.cached : from.read(e.contentPosition, e.contentLength);
                ByteBuffer header = SpoolRecords.messageHeader(e.message, content);
                long recordLength = header.remaining() + (long) content.length;
                Segment to = segmentFor(recordLength);
                long contentPosition = to.size + header.remaining();
                stage(header);
                stage(ByteBuffer.wrap(content));
                to.size += recordLength;
                relocate.add(() -> {
                    release(e);
                    e.segment = to;
                    e.contentPosition = contentPosition;
                    if (content.length < CACHE_MAX_CONTENT && cachedBytes + content.length <= cacheBudget) {
                        e.cached = content;
                        cachedBytes += content.length;
                    }
                    to.live++;
                    to.liveBytes += content.length;
                });
            }
            if (current != null) {
                flushStaging();
                dirty = false;
                current.channel.force(false); // always: the source is deleted next
                metrics.spoolFsyncs.inc();
            }
        } catch (IOException e) {
            onWriteError(e, List.of());
            return false;
        }
        relocate.forEach(Runnable::run);
        log.info("spool {}: copied {} live messages forward from segment {}", dir, movers.size(), from);
        return true;
    }

    private List<SpooledMessage> recoverOnWriter() {
        if (recovered) {
            throw new IllegalStateException("recover() was already called");
        }
        recovered = true;
        List<Segment> old = new ArrayList<>();
        java.util.Map<QueueId, SpoolEntry> found = new java.util.HashMap<>();
        try {
            List<Path> files = new ArrayList<>();
            try (var list = Files.list(dir)) {
                for (Path p : (Iterable<Path>) list::iterator) {
                    long seq = Segment.parseSeq(p.getFileName().toString());
                    if (seq >= 0 && seq < firstNewSeq) {
                        files.add(p);
                    }
                }
            }
            files.sort(null);
            for (Path p : files) {
                Segment s = SegmentScanner.scan(p, found);
                if (s != null) {
                    old.add(s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool directory " + dir, e);
        }
        for (int i = old.size() - 1; i >= 0; i--) {
            segments.addFirst(old.get(i));
        }
        List<SpooledMessage> out = new ArrayList<>(found.size());
        for (SpoolEntry e : found.values()) {
            e.segment.live++;
            e.segment.liveBytes += e.contentLength;
            if (live.putIfAbsent(e.message.id(), e) != null) {
                release(e); // appended again since start-up: the newer copy wins
                continue;
            }
            liveCount++;
            out.add(e.message);
        }
        out.sort((a, b) -> a.id().compareTo(b.id()));
        log.info("spool {}: recovered {} live messages from {} segments", dir, out.size(), old.size());
        return out; // dead segments are reclaimed by the housekeeping after this batch
    }

    private void shutDownWriter(Stop stop) {
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
        Op op;
        IllegalStateException closedError = new IllegalStateException("spool is closed");
        while ((op = ops.poll()) != null) {
            op.fail(closedError);
        }
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            log.warn("spool {}: cannot release spool.lock: {}", dir, e.toString());
        }
        log.info("spool {}: closed with {} live messages", dir, liveCount);
        stop.done.complete(null);
    }

    // ------------------------------------------------------------------ hand-off records

    private sealed interface Op permits Append, Outcome, Read, Recover, Stop {
        void fail(Throwable t);
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

    private record Read(QueueId id, CompletableFuture<byte[]> done) implements Op {
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
