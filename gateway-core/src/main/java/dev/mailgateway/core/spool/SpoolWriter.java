package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.util.FatalErrors;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's writer: the hand-off queue, the {@code spool-writer} thread, batching and group
 * commit. Producers (SMTP loops, relay loops, the failed store, the dispatcher) put an
 * {@link Op} on a lock-free JCTools MPSC queue with {@link #submit} and unpark the writer only
 * if it sleeps; the writer drains up to 4096 operations / 16 MiB, stages every write of the
 * batch ({@link SegmentLog}), writes and forces once ({@code spool.fsync}: group commit;
 * outcome-only batches are written unforced, see docs/spool.md) and then completes every
 * future of the batch. Between batches it runs the housekeeping: free disk and the writability
 * probe ({@link DiskMonitor}), retried envelope loads ({@link WaitingMessages}), forcing
 * outcome records left unforced, and reclaiming segments ({@link SegmentCompactor}).
 *
 * <p>Threads: {@link #submit}, {@link #begin} and {@link #close} from any thread; everything
 * else runs on {@code spool-writer}, which owns the files and all writer-side state
 * ({@link LiveMessages}, {@link LiveIndex}, the segments). Futures complete on {@code
 * spool-writer}: callers hop back to their loop. {@link #close} blocks (shutdown).
 *
 * <p>Failure: an {@link IOException} while writing fails every future of the batch (the
 * caller replies 451), seals the segment and makes the spool not writable (one ERROR line).
 * While not writable the writer touches no segment: appends, upload chunks and commits fail
 * at once (no 250), outcome records are held in memory, reads are still served; once a second
 * it probes, and when that works it serves again (one INFO line) and writes the held outcomes.
 */
final class SpoolWriter {

    private static final Logger LOG = LoggerFactory.getLogger(FileSpool.class); // the spool's log lines

    private static final int MAX_BATCH_OPS = 4096;
    private static final long MAX_BATCH_BYTES = 16L << 20;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How long outcome records may stay written but unforced when no append forces them. */
    private static final long UNFORCED_OUTCOME_NANOS = TimeUnit.SECONDS.toNanos(1);

    // any thread
    private final Path dir;
    private final MessagePassingQueue<Op> ops = new MpscUnboundedXaddArrayQueue<>(1024);
    private final AtomicBoolean writerSleeping = new AtomicBoolean();
    private final AtomicLong writeIds;
    private final Thread writer;
    private volatile boolean closed;

    // spool-writer thread only
    private final SpoolDirectory directory;
    private final SegmentLog segments;
    private final LiveMessages live;
    private final WaitingMessages waiting;
    private final DiskMonitor disk;
    private final SegmentCompactor compactor;
    private final SpoolMetrics metrics;
    private final int inlineMax;
    /** Outcome records that arrived while not writable: written once the probe succeeds. */
    private final List<Outcome> heldOutcomes = new ArrayList<>();
    private boolean recovered;

    SpoolWriter(SpoolDirectory directory, SegmentLog segments, LiveMessages live, WaitingMessages waiting,
            DiskMonitor disk, long segmentBytes, int inlineMax, AtomicLong writeIds, SpoolMetrics metrics) {
        this.dir = directory.dir;
        this.directory = directory;
        this.segments = segments;
        this.live = live;
        this.waiting = waiting;
        this.disk = disk;
        this.inlineMax = inlineMax;
        this.writeIds = writeIds;
        this.metrics = metrics;
        this.compactor = new SegmentCompactor(dir, segments, live, segmentBytes, inlineMax, writeIds,
                e -> onWriteError(e, List.of()));
        this.writer = new Thread(this::writerLoop, "spool-writer");
        writer.setDaemon(true);
        writer.start();
    }

    boolean closed() {
        return closed;
    }

    /** A new streamed upload (its operations go through {@link #submit}). Any thread. */
    Upload begin() {
        return new Upload(writeIds.incrementAndGet());
    }

    /** Writes and forces what is pending, stops the writer and closes the files. Blocks (shutdown). */
    void close() {
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

    /** Hands an operation to the writer; fails it at once when the spool is closed. Any thread. */
    void submit(Op op) {
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
                FatalErrors.haltOnOutOfMemory(e, "the spool writer");
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
        boolean refuse = !disk.writable(); // after a write error: no disk writes until the probe works
        for (Op op : batch) {
            try {
                if (op instanceof Read r) {
                    serveRead(r);
                } else if (op instanceof Recover r) {
                    r.done.complete(recover());
                } else if (op instanceof RecoverWaiting r) {
                    r.done.complete(recoverToWaiting());
                } else if (op instanceof Park p) {
                    waiting.park(p.id);
                } else if (op instanceof Load l) {
                    l.done.complete(waiting.load());
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
        long payloadAt = seg.size + SpoolRecords.RECORD_HEADER;
        segments.write(record);
        onDurable.add(() -> {
            int length = (int) content.bytes();
            // the entry owns the chunks' pins now
            live.install(m, seg, payloadAt, -1, length, content.take(), null);
            done.complete(m);
        });
    }

    private void stageAppend(Append a, List<Runnable> onDurable) throws IOException {
        if (a.content.length > inlineMax) {
            // large contents go as chunks, so no record is ever larger than MAX_PAYLOAD_V2
            ContentChunks c = new ContentChunks(writeIds.incrementAndGet());
            for (int off = 0; off < a.content.length; off += inlineMax) {
                c.write(segments, ByteBuffer.wrap(a.content, off, Math.min(inlineMax, a.content.length - off)));
            }
            stageCommitRecord(c, a.message, onDurable, a.done);
            return;
        }
        ByteBuffer header = SpoolRecords.messageHeader(a.message, a.content);
        long recordLength = header.remaining() + (long) a.content.length;
        Segment seg = segments.segmentFor(recordLength);
        long payloadAt = seg.size + SpoolRecords.RECORD_HEADER;
        long contentPosition = seg.size + header.remaining();
        segments.write(header);
        segments.write(ByteBuffer.wrap(a.content));
        onDurable.add(() -> {
            live.install(a.message, seg, payloadAt, contentPosition, a.content.length, null, a.content);
            a.done.complete(a.message);
        });
    }

    private void stageOutcome(Outcome o, List<Runnable> onDurable) throws IOException {
        LiveIndex index = live.index;
        int slot = index.find(o.id);
        if (slot < 0) {
            onDurable.add(() -> o.done.complete(null));
            return;
        }
        LoadedMessage e = live.loaded(o.id);
        SpooledMessage m;
        try {
            m = live.current(slot, o.id); // a waiting message's envelope is read back from its record
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // fails this outcome only: it is a read, not a write
        }
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
        index.setPending(slot, SpoolRecords.bitmap(m.envelope().recipients(), pending), attempts);
        if (e != null) {
            e.message = new SpooledMessage(m.envelope(), pending, attempts);
        }
        if (pending.isEmpty()) {
            live.remove(slot, o.id);
        }
        onDurable.add(() -> o.done.complete(null));
    }

    private void serveRead(Read r) {
        LiveIndex index = live.index;
        int slot = index.find(r.id);
        if (slot < 0) {
            r.done.completeExceptionally(new NoSuchElementException("not in the spool: " + r.id));
            return;
        }
        LoadedMessage e = live.loaded(r.id);
        byte[] cached = e == null ? null : e.cached;
        if (cached != null && r.offset == 0 && r.maxBytes >= cached.length) {
            r.done.complete(cached);
            return;
        }
        try {
            r.done.complete(ContentReader.read(index.view(slot, cached), r.offset, r.maxBytes));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("spool {}: cannot read {} from segment {}: {}", dir, r.id, index.segment(slot), ex.toString());
            r.done.completeExceptionally(ex);
        }
    }

    private void onWriteError(IOException error, List<Op> failed) {
        metrics.spoolWriteErrors.inc();
        disk.failed(System.nanoTime());
        LOG.error("spool {}: write failed in segment {}: {}; {} pending writes refused, "
                + "probing every second", dir, segments.current(), error.toString(), failed.size());
        segments.sealAfterError(); // it may end in a torn record; the next write opens a new segment
        IOException cause = new IOException("spool write failed: " + error.getMessage(), error);
        for (Op op : failed) {
            failOnWriter(op, cause);
        }
    }

    /** Between batches and when idle: free disk, the writability probe, retried loads, forcing outcomes, reclaiming. */
    private void housekeeping() {
        long now = System.nanoTime();
        disk.refreshIfDue(now);
        if (disk.probeIfDue(now, segments)) {
            LOG.info("spool {}: writable again (segment {}); writing {} held outcome records", dir,
                    segments.current(), heldOutcomes.size());
            for (Outcome o : heldOutcomes) {
                ops.offer(o);
            }
            heldOutcomes.clear();
        }
        waiting.retryDue(now);
        if (disk.writable()) {
            try {
                segments.forceIfUnforcedFor(now, UNFORCED_OUTCOME_NANOS);
            } catch (IOException e) {
                LOG.warn("spool {}: cannot force outcome records: {}", dir, e.toString());
            }
            compactor.reclaim();
        }
    }

    private static IOException notWritable() {
        return new IOException("the spool is not writable after a disk error (probing once a second)");
    }

    private List<SpooledMessage> recover() {
        List<Integer> slots = recoverSlots();
        List<SpooledMessage> out = new ArrayList<>(slots.size());
        LiveIndex index = live.index;
        for (int s : slots) {
            QueueId id = index.id(s);
            try {
                SpooledMessage m = EnvelopeReader.read(index, s);
                live.load(id, m, index.contentLength(s));
                out.add(m);
            } catch (IOException e) {
                waiting.quarantine(s, new UncheckedIOException(e));
            } catch (RuntimeException e) {
                waiting.quarantine(s, e);
            }
        }
        return out;
    }

    private int recoverToWaiting() {
        List<Integer> slots = recoverSlots();
        waiting.parkRecovered(slots);
        return slots.size();
    }

    private List<Integer> recoverSlots() {
        if (recovered) {
            throw new IllegalStateException("recover() was already called");
        }
        recovered = true;
        return SpoolRecovery.recover(dir, directory.firstNewSeq, live, segments);
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
            directory.release();
        } catch (IOException e) {
            LOG.warn("spool {}: cannot release spool.lock: {}", dir, e.toString());
        }
        LOG.info("spool {}: closed with {} live messages", dir, live.liveCount());
        stop.done.complete(null);
    }

    // ------------------------------------------------------------------ hand-off records

    sealed interface Op permits Append, Outcome, Read, Recover, RecoverWaiting, Stop, Chunk, Commit, Abort, Park,
            Load {
        void fail(Throwable t);
    }

    /**
     * The any-thread side of one streamed content: hands chunks, the commit and the abort to the
     * writer. {@code failed} may be set from any thread; {@code content} is the writer thread's.
     */
    final class Upload implements SpoolUpload {
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

    static final class Chunk implements Op {
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

    record Commit(Upload upload, SpooledMessage message, CompletableFuture<SpooledMessage> done)
            implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Abort(Upload upload) implements Op {
        public void fail(Throwable t) {
            // nothing to undo: a closed spool recovers no uncommitted content
        }
    }

    record Append(SpooledMessage message, byte[] content,
            CompletableFuture<SpooledMessage> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Outcome(QueueId id, int attempt, List<RecipientOutcome> outcomes,
            CompletableFuture<Void> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Read(QueueId id, long offset, int maxBytes, CompletableFuture<byte[]> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Park(QueueId id) implements Op {
        public void fail(Throwable t) {
            // a closed spool: the message stays on disk and is recovered at the next start
        }
    }

    record Load(CompletableFuture<SpooledMessage> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Recover(CompletableFuture<List<SpooledMessage>> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record RecoverWaiting(CompletableFuture<Integer> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    record Stop(CompletableFuture<Void> done) implements Op {
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }
}
