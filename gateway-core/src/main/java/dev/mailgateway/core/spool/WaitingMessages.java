package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's side of the spool's waiting list (issue #12): messages waiting on disk for the
 * dispatch window, oldest first, as handles in the {@link LiveIndex}'s ring. Parking drops a
 * message's envelope and cached content; loading reads the envelope back from its record.
 *
 * <p>No message is stranded: an I/O error puts it back on the list after a back-off (1 s,
 * doubling to 60 s, a WARN each time) and tells the dispatcher ({@code added}); a record that no
 * longer verifies is given up with one ERROR naming it, and its segment is marked damaged (kept
 * aside as {@code *.seg.damaged} once it holds no live message, never deleted).
 *
 * <p>Thread: the spool's writer thread only; {@link #attach} may be called from any thread.
 */
final class WaitingMessages {

    private static final Logger LOG = LoggerFactory.getLogger(FileSpool.class); // the spool's log lines
    private static final long MAX_RETRY_MS = 60_000;

    private final Path dir;
    private final LiveMessages live;
    private final LiveIndex index;
    private volatile IntConsumer added;
    /** Waiting messages whose envelope could not be read (I/O error): put back when due. */
    private final List<RetryLoad> retries = new ArrayList<>();
    private final Map<Long, Integer> failures = new HashMap<>();

    WaitingMessages(Path dir, LiveMessages live) {
        this.dir = dir;
        this.live = live;
        this.index = live.index;
    }

    /** The dispatcher's callback for messages this list puts back on itself. */
    void attach(IntConsumer dispatcherAdded) {
        this.added = dispatcherAdded;
    }

    /** A message goes on the waiting list: only its index entry stays in memory. */
    void park(QueueId id) {
        int slot = index.find(id);
        if (slot < 0) {
            return; // final meanwhile: the dispatcher's count is settled by a poll that finds nothing
        }
        live.unload(id);
        index.pushWaiting(index.handle(slot));
    }

    /** Puts recovered messages on the list, in the given (oldest first) order. */
    void parkRecovered(List<Integer> slots) {
        for (int s : slots) {
            index.pushWaiting(index.handle(s));
        }
    }

    /** The oldest waiting message with its envelope read back, or null (nothing to dispatch for this place). */
    SpooledMessage load() {
        long handle = index.pollWaiting();
        int slot = handle < 0 ? -1 : index.slotOf(handle);
        if (slot < 0) {
            return null; // final or replaced while it waited
        }
        QueueId id = index.id(slot);
        if (live.loaded(id) != null) {
            return null; // dispatched again meanwhile: that copy is in the window already
        }
        try {
            SpooledMessage m = EnvelopeReader.read(index, slot);
            failures.remove(handle);
            live.load(id, m, index.contentLength(slot));
            return m;
        } catch (IOException e) {
            int n = failures.merge(handle, 1, Integer::sum);
            long delayMs = Math.min(MAX_RETRY_MS, 1000L << Math.min(n - 1, 6));
            LOG.warn("spool {}: cannot read the envelope of {} from segment {} ({}); trying again in {} ms",
                    dir, id, index.segment(slot), e.toString(), delayMs);
            retries.add(new RetryLoad(handle, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs)));
            return null;
        } catch (RuntimeException e) {
            failures.remove(handle);
            quarantine(slot, e);
            return null;
        }
    }

    /** Gives a message whose record no longer reads back up, loudly; its segment is kept aside. */
    void quarantine(int slot, RuntimeException e) {
        QueueId id = index.id(slot);
        Segment seg = index.segment(slot);
        long at = index.payloadPosition(slot);
        LOG.error("spool {}: the record of {} in segment {} at offset {} no longer reads back ({}); the message "
                + "cannot be delivered and is given up; the segment will be kept aside as damaged", dir, id, seg,
                at, e.toString());
        String what = "unreadable record of " + id + " at " + at;
        seg.damage = seg.damage == null ? what : seg.damage + "; " + what;
        live.remove(slot, id);
    }

    /** Puts messages whose back-off is over back on the list (housekeeping). */
    void retryDue(long now) {
        if (retries.isEmpty()) {
            return;
        }
        int n = 0;
        for (Iterator<RetryLoad> it = retries.iterator(); it.hasNext(); ) {
            RetryLoad r = it.next();
            if (now - r.dueNanos() < 0) {
                continue;
            }
            it.remove();
            if (index.slotOf(r.handle()) >= 0) {
                index.pushWaiting(r.handle());
                n++;
            } else {
                failures.remove(r.handle());
            }
        }
        IntConsumer callback = added;
        if (n > 0 && callback != null) {
            callback.accept(n);
        }
    }

    private record RetryLoad(long handle, long dueNanos) {
    }
}
