package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery at start-up: replays the segments ({@link SegmentScanner}: resync past damage,
 * version 1 segments) into the compact index only, hands the recovered segments to the
 * {@link SegmentLog}, counts the messages live and returns their slots oldest first. Nothing
 * per message but its index entry is kept, so 100,000 spooled messages cost no more than their
 * entries; the caller puts them on the waiting list or reads them back.
 *
 * <p>Thread: the spool's writer thread, once.
 */
final class SpoolRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(FileSpool.class); // the spool's log lines

    private SpoolRecovery() {
    }

    /** The live slots, oldest (lowest queue id) first. */
    static List<Integer> recover(Path dir, long endSeq, LiveMessages live, SegmentLog segments) {
        LiveIndex index = live.index;
        // normally nothing was appended before recovery: replay straight into the index
        LiveIndex found = index.size() == 0 ? index : new LiveIndex();
        List<Segment> old;
        try {
            old = SegmentScanner.scanAll(dir, endSeq, found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool directory " + dir, e);
        }
        segments.addRecovered(old);
        List<Integer> slots = new ArrayList<>(found.size());
        for (int s = 0; s < found.highWater(); s++) {
            if (!found.used(s)) {
                continue;
            }
            if (found == index) {
                slots.add(s);
                continue;
            }
            QueueId id = found.id(s);
            if (index.find(id) >= 0) {
                continue; // appended again since start-up: the newer copy wins
            }
            slots.add(index.add(id, found.segment(s), found.payloadPosition(s), found.contentPosition(s),
                    found.contentLength(s), found.chunks(s), found.receivedAtMillis(s), found.attempts(s),
                    found.recipientCount(s), found.pending(s)));
        }
        live.countRecovered(slots);
        slots.sort(index::compareIds); // ids sort by accept time: oldest first
        LOG.info("spool {}: recovered {} live messages from {} segments", dir, slots.size(), old.size());
        return slots; // dead segments are reclaimed by the housekeeping after this batch
    }
}
