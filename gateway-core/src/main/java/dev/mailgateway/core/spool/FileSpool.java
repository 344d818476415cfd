package dev.mailgateway.core.spool;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The durable spool: append-only segment files under {@code <emailsDir>/spool/}, each record
 * marked, length-prefixed and CRC32C-checked (format in {@link SpoolRecords}, docs/spool.md).
 * This class is the {@link Spool} API and the wiring of its parts:
 *
 * <ul>
 * <li>{@link SpoolWriter}: the hand-off queue, the {@code spool-writer} thread, batching and
 *     group commit, and the housekeeping between batches;</li>
 * <li>{@link LiveMessages} / {@link LiveIndex}: the live messages, compactly (issue #12): a
 *     message waiting on disk is an index entry of about 60 bytes; its envelope is in memory
 *     only while it is in the dispatch window or held by the relay;</li>
 * <li>{@link WaitingMessages}: the spool's waiting list for the {@link Dispatcher} (park, load
 *     back, retry, give up loudly);</li>
 * <li>{@link SpoolRecovery} + {@link SegmentScanner}: recovery, resync past damage, version 1;</li>
 * <li>{@link SegmentLog} (files, staging, force, rollover), {@link SegmentCompactor} (deletion,
 *     copy-forward), {@link ContentChunks} (streamed contents), {@link ContentReader} and
 *     {@link EnvelopeReader} (positional reads), {@link ContentCache} (small contents);</li>
 * <li>{@link DiskMonitor} (free disk, writability probe) and {@link SpoolDirectory} (the
 *     directory lock).</li>
 * </ul>
 *
 * <p>Threads: every method may be called from any thread. All but {@link #recover()},
 * {@link #recoverInto} (start-up) and {@link #close()} (shutdown), which wait for the writer,
 * only hand work over and never block: disk work runs on {@code spool-writer}, and returned
 * futures complete there. {@link #liveCount}, {@link #oldest}, {@link #contentLength},
 * {@link #freeDiskMb} and {@link #writable} read volatile or concurrent state.
 */
public final class FileSpool implements Spool {

    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Contents under this size stay in memory while loaded (no disk read for the relay). */
    static final int CACHE_MAX_CONTENT = 256 * 1024;
    static final long DEFAULT_CACHE_BUDGET = 64L << 20;
    /** Contents above this are written as CHUNK records + COMMIT, never as one inline record. */
    static final int INLINE_MAX = 1 << 20;

    private final LiveMessages live;
    private final WaitingMessages waitingMessages;
    private final Waiting waiting = new Waiting();
    private final DiskMonitor disk;
    private final SpoolWriter writer;

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
        SpoolMetrics spoolMetrics = new SpoolMetrics(metrics);
        SpoolDirectory directory;
        try {
            directory = SpoolDirectory.open(spoolDir);
            this.disk = new DiskMonitor(spoolDir, Files.getFileStore(spoolDir), Files.isWritable(spoolDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool directory " + spoolDir, e);
        }
        SegmentLog segments = new SegmentLog(spoolDir, config.fsync(), segmentBytes, directory.firstNewSeq,
                spoolMetrics, opener);
        this.live = new LiveMessages(new ContentCache(CACHE_MAX_CONTENT, cacheBudget), spoolMetrics);
        this.waitingMessages = new WaitingMessages(spoolDir, live);
        metrics.gauge(SpoolMetrics.SPOOL_LIVE, this::liveCount);
        metrics.gauge(SpoolMetrics.DISK_FREE_MB, this::freeDiskMb);
        this.writer = new SpoolWriter(directory, segments, live, waitingMessages, disk, segmentBytes, INLINE_MAX,
                new AtomicLong(new SecureRandom().nextLong()), spoolMetrics);
    }

    // ---------------------------------------------------------------- public API (any thread)

    /**
     * {@inheritDoc} Every recovered envelope is read back and held in memory: for tests and small
     * spools. The gateway uses {@link #recoverInto}, which keeps waiting messages on disk.
     */
    @Override
    public List<SpooledMessage> recover() {
        CompletableFuture<List<SpooledMessage>> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.Recover(done));
        return await(done);
    }

    /**
     * {@inheritDoc} With a dispatcher that keeps its waiting list here ({@link #waitingList()}),
     * recovery puts every live message on that list as a compact index entry, oldest first, and
     * only the dispatch window's worth of envelopes is read back (as the window takes them).
     * Blocking: call once, before serving.
     */
    @Override
    public int recoverInto(Dispatcher dispatcher) {
        if (!dispatcher.usesWaitingList(waiting)) {
            return Spool.super.recoverInto(dispatcher);
        }
        CompletableFuture<Integer> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.RecoverWaiting(done));
        int n = await(done);
        dispatcher.waitingAdded(n);
        return n;
    }

    private static <T> T await(CompletableFuture<T> done) {
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recovering the spool", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("spool recovery failed", e.getCause());
        }
    }

    /**
     * The waiting list to give the {@link Dispatcher} ({@link Dispatcher#keepWaitingIn}): a
     * waiting message costs only its {@link LiveIndex} entry; its envelope is read back from its
     * segment on the writer thread when the window takes it (never on an event loop).
     */
    @Override
    public Dispatcher.WaitingList waitingList() {
        return waiting;
    }

    @Override
    public CompletableFuture<SpooledMessage> append(Envelope envelope, byte[] content) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
        CompletableFuture<SpooledMessage> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.Append(SpooledMessage.fresh(envelope), content, done));
        return done;
    }

    @Override
    public SpoolUpload begin() {
        return writer.begin();
    }

    /**
     * {@inheritDoc} A cached content returns an already completed future (no thread hop);
     * the array is shared with the spool's cache: do not modify it.
     */
    @Override
    public CompletableFuture<byte[]> readContent(QueueId id) {
        LoadedMessage e = live.loaded(id);
        if (e != null) {
            byte[] cached = e.cached;
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
        }
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.Read(id, 0, Integer.MAX_VALUE, done));
        return done;
    }

    @Override
    public CompletableFuture<byte[]> readContent(QueueId id, long offset, int maxBytes) {
        if (offset < 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("offset " + offset + ", maxBytes " + maxBytes);
        }
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.Read(id, offset, maxBytes, done));
        return done;
    }

    /** {@inheritDoc} Known for a message whose envelope is in memory (in the window, held by the relay). */
    @Override
    public long contentLength(QueueId id) {
        LoadedMessage e = live.loaded(id);
        return e == null ? -1 : e.contentLength;
    }

    /** {@inheritDoc} An id that is not live (already final, unknown) completes without a record. */
    @Override
    public CompletableFuture<Void> recordOutcomes(QueueId id, int attempt,
            List<RecipientOutcome> outcomes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        writer.submit(new SpoolWriter.Outcome(id, attempt, List.copyOf(outcomes), done));
        return done;
    }

    @Override
    public int liveCount() {
        return live.liveCount();
    }

    /**
     * {@inheritDoc} Of the messages whose envelope is in memory (the dispatch window, deliveries,
     * retries): the window takes waiting messages oldest first, so these are the oldest but for
     * a retried message that went back to the waiting list. No disk read, any thread.
     */
    @Override
    public List<SpooledMessage> oldest(int limit) {
        return live.oldest(limit);
    }

    /** {@inheritDoc} Refreshed by the writer thread at most once a second: no syscall here. */
    @Override
    public long freeDiskMb() {
        return disk.freeDiskMb();
    }

    @Override
    public boolean writable() {
        return disk.writable() && !writer.closed();
    }

    /** Writes and forces what is pending, stops the writer and closes the files. Blocks (shutdown). */
    @Override
    public void close() {
        writer.close();
    }

    /** The spool's side of {@link Dispatcher.WaitingList}: hands parking and loading to the writer. */
    private final class Waiting implements Dispatcher.WaitingList {
        @Override
        public void add(SpooledMessage message) {
            writer.submit(new SpoolWriter.Park(message.id()));
        }

        @Override
        public CompletableFuture<SpooledMessage> poll() {
            CompletableFuture<SpooledMessage> done = new CompletableFuture<>();
            writer.submit(new SpoolWriter.Load(done));
            return done;
        }

        @Override
        public void attach(IntConsumer added) {
            waitingMessages.attach(added);
        }
    }
}
