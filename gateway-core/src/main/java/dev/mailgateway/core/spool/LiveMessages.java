package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The spool's live messages: every one in the compact {@link LiveIndex}, and those whose
 * envelope is in memory ({@link LoadedMessage}: appended, taken by the dispatch window, held by
 * the relay) also in a concurrent map, with their cached content when it is small. A message
 * waiting on disk for the window is only its index entry.
 *
 * <p>Threads: everything that changes state, and {@link #index}, belongs to the spool's writer
 * thread. {@link #liveCount}, {@link #loaded} and {@link #oldest} may be called from any thread
 * (volatile count, concurrent map).
 */
final class LiveMessages {

    /** Writer thread only. */
    final LiveIndex index = new LiveIndex();
    private final ConcurrentSkipListMap<QueueId, LoadedMessage> loaded = new ConcurrentSkipListMap<>();
    private final ContentCache cache;
    private final SpoolMetrics metrics;
    private volatile int liveCount;

    LiveMessages(ContentCache cache, SpoolMetrics metrics) {
        this.cache = cache;
        this.metrics = metrics;
    }

    // ------------------------------------------------------------------ any thread

    int liveCount() {
        return liveCount;
    }

    /** The message's in-memory part, or null when it is not live or waits on disk. */
    LoadedMessage loaded(QueueId id) {
        return loaded.get(id);
    }

    /**
     * The oldest loaded messages (the dispatch window, deliveries, retries), oldest first: the
     * window takes waiting messages oldest first, so these are the oldest live ones but for a
     * retried message that went back to the waiting list. No disk read.
     */
    List<SpooledMessage> oldest(int limit) {
        List<SpooledMessage> out = new ArrayList<>(Math.min(Math.max(limit, 0), 1024));
        for (LoadedMessage e : loaded.values()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e.message);
        }
        return out;
    }

    // ------------------------------------------------------------------ writer thread

    /**
     * Makes a durable message live: its index entry, counted in its segments (a streamed
     * content's chunks are counted already: pinned when written), its envelope in memory and
     * its content cached when small. Replaces a live message with the same id (a re-sent failed
     * message keeps its id).
     */
    void install(SpooledMessage m, Segment seg, long payloadAt, long contentAt, int length,
            ContentExtent[] chunks, byte[] content) {
        QueueId id = m.id();
        int old = index.find(id);
        if (old >= 0) {
            remove(old, id);
        }
        List<String> rcpts = m.envelope().recipients();
        int slot = index.add(id, seg, payloadAt, contentAt, length, chunks, m.envelope().receivedAt().toEpochMilli(),
                m.attempts(), rcpts.size(), SpoolRecords.bitmap(rcpts, m.pendingRecipients()));
        liveCount++;
        if (chunks == null) {
            index.countIn(slot, 1);
        } else {
            seg.live++;
        }
        LoadedMessage l = new LoadedMessage(m, length);
        if (content != null) {
            cache.offer(l, content);
        }
        loaded.put(id, l);
        metrics.spoolAppends.inc();
    }

    /** Counts recovered index entries as live (their segments and the live count). */
    void countRecovered(List<Integer> slots) {
        for (int s : slots) {
            index.countIn(s, 1);
        }
        liveCount += slots.size();
    }

    /** Drops a live message: segment counts, cache, envelope, index entry. */
    void remove(int slot, QueueId id) {
        index.countIn(slot, -1);
        unload(id);
        index.remove(slot);
        liveCount--;
    }

    /** The message's envelope is in memory again (read back for the window). */
    void load(QueueId id, SpooledMessage m, int contentLength) {
        loaded.put(id, new LoadedMessage(m, contentLength));
    }

    /** The message waits on disk from now on: its envelope and cached content are dropped. */
    void unload(QueueId id) {
        LoadedMessage l = loaded.remove(id);
        if (l != null) {
            cache.drop(l);
        }
    }

    /** The message in {@code slot} as it stands: from memory when loaded, else read back from its record. */
    SpooledMessage current(int slot, QueueId id) throws IOException {
        LoadedMessage l = loaded.get(id);
        return l != null ? l.message : EnvelopeReader.read(index, slot);
    }
}
