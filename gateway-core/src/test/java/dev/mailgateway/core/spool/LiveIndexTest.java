package dev.mailgateway.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The spool's compact live index (issue #12): lookup, growth, removal, handles, the waiting ring. */
class LiveIndexTest {

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final Segment seg = new Segment(7, Path.of("00000000000000000007.seg"), null, 0);

    private int add(LiveIndex index, QueueId id, int n) {
        return index.add(id, seg, 100L + n, 200L + n, n, null, 1_000L * n, n % 5, 1, new byte[] {1});
    }

    @Test
    void growsPastItsInitialCapacityAndFindsEveryEntryWithItsFields() {
        LiveIndex index = new LiveIndex();
        List<QueueId> added = new ArrayList<>();
        for (int n = 0; n < 20_000; n++) {
            QueueId id = ids.next();
            added.add(id);
            add(index, id, n);
        }
        assertThat(index.size()).isEqualTo(20_000);
        for (int n = 0; n < added.size(); n++) {
            int slot = index.find(added.get(n));
            assertThat(slot).isNotNegative();
            assertThat(index.id(slot)).isEqualTo(added.get(n));
            assertThat(index.payloadPosition(slot)).isEqualTo(100L + n);
            assertThat(index.contentPosition(slot)).isEqualTo(200L + n);
            assertThat(index.contentLength(slot)).isEqualTo(n);
            assertThat(index.receivedAtMillis(slot)).isEqualTo(1_000L * n);
            assertThat(index.attempts(slot)).isEqualTo(n % 5);
            assertThat(index.segment(slot)).isSameAs(seg);
        }
        assertThat(index.find(ids.next())).isEqualTo(-1);
    }

    @Test
    void randomAddsAndRemovesAgreeWithAHashMapAndSlotsAreReused() {
        LiveIndex index = new LiveIndex();
        Map<QueueId, Integer> reference = new HashMap<>();
        List<QueueId> present = new ArrayList<>();
        Random r = new Random(12);
        int maxHighWater = 0;
        for (int step = 0; step < 60_000; step++) {
            if (present.isEmpty() || r.nextInt(100) < 55) {
                QueueId id = ids.next();
                add(index, id, step);
                reference.put(id, step);
                present.add(id);
            } else {
                QueueId id = present.remove(r.nextInt(present.size()));
                index.remove(index.find(id));
                reference.remove(id);
            }
            maxHighWater = Math.max(maxHighWater, index.highWater());
        }
        assertThat(index.size()).isEqualTo(reference.size());
        for (Map.Entry<QueueId, Integer> e : reference.entrySet()) {
            int slot = index.find(e.getKey());
            assertThat(slot).as("%s", e.getKey()).isNotNegative();
            assertThat(index.contentLength(slot)).isEqualTo(e.getValue());
        }
        // removed slots are taken again before the slab grows: it never holds more than the peak
        int used = 0;
        for (int s = 0; s < index.highWater(); s++) {
            used += index.used(s) ? 1 : 0;
        }
        assertThat(used).isEqualTo(reference.size());
        assertThat(index.highWater()).isLessThanOrEqualTo(maxHighWater);
    }

    @Test
    void aHandleGoesStaleWhenItsEntryIsRemovedEvenIfTheSlotIsReused() {
        LiveIndex index = new LiveIndex();
        QueueId a = ids.next();
        int slot = add(index, a, 1);
        long handle = index.handle(slot);
        assertThat(index.slotOf(handle)).isEqualTo(slot);
        index.remove(slot);
        assertThat(index.slotOf(handle)).isEqualTo(-1);
        int again = add(index, ids.next(), 2);
        assertThat(again).isEqualTo(slot); // reused
        assertThat(index.slotOf(handle)).isEqualTo(-1);
        assertThat(index.slotOf(index.handle(again))).isEqualTo(again);
    }

    @Test
    void theWaitingRingIsFirstInFirstOutAcrossGrowthAndWrapAround() {
        LiveIndex index = new LiveIndex();
        long expected = 0;
        long next = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5_000; i++) {
                index.pushWaiting(next++);
                if (i % 3 == 0) {
                    assertThat(index.pollWaiting()).isEqualTo(expected++); // polls interleaved: the ring wraps
                }
            }
            assertThat(index.waitingSize()).isEqualTo((int) (next - expected));
            long h;
            while ((h = index.pollWaiting()) >= 0) {
                assertThat(h).isEqualTo(expected++);
            }
            assertThat(expected).isEqualTo(next);
        }
        assertThat(index.pollWaiting()).isEqualTo(-1);
    }

    @Test
    void ordersSlotsByQueueIdThatIsByAcceptTime() {
        LiveIndex index = new LiveIndex();
        List<QueueId> sent = new ArrayList<>();
        for (int n = 0; n < 100; n++) {
            sent.add(ids.next());
        }
        List<Integer> slots = new ArrayList<>();
        for (int n = sent.size() - 1; n >= 0; n--) {
            slots.add(add(index, sent.get(n), n));
        }
        slots.sort(index::compareIds);
        List<QueueId> ordered = new ArrayList<>();
        slots.forEach(s -> ordered.add(index.id(s)));
        assertThat(ordered).isEqualTo(sent.stream().sorted().toList());
    }

    @Test
    void keepsPendingBitsForManyRecipients() {
        LiveIndex index = new LiveIndex();
        byte[] wide = new byte[(130 + 7) / 8];
        wide[0] = 1;
        wide[16] = 2; // recipient 129
        int slot = index.add(ids.next(), seg, 0, 0, 1, null, 0, 3, 130, wide);
        assertThat(index.pending(slot)).isEqualTo(wide);
        byte[] narrow = {(byte) 0x81, 0x01};
        int s2 = index.add(ids.next(), seg, 0, 0, 1, null, 0, 0, 9, narrow);
        assertThat(index.pending(s2)).isEqualTo(narrow);
        // a streamed content with many recipients keeps both its chunks and its wide bitmap
        ContentExtent[] pieces = {new ContentExtent(seg, 10, 5), new ContentExtent(seg, 30, 7)};
        int s3 = index.add(ids.next(), seg, 0, -1, 12, pieces, 0, 0, 130, wide);
        assertThat(index.chunks(s3)).isSameAs(pieces);
        assertThat(index.pending(s3)).isEqualTo(wide);
        assertThat(index.contentPosition(s3)).isEqualTo(-1);
        index.relocate(s3, seg, 500, -1, new ContentExtent[] {new ContentExtent(seg, 600, 12)});
        assertThat(index.chunks(s3)).hasSize(1);
        assertThat(index.pending(s3)).isEqualTo(wide);
        assertThat(index.chunks(slot)).isNull();
        index.setPending(s2, new byte[] {0, 0}, 4);
        assertThat(LiveIndex.anyPending(index.pending(s2))).isFalse();
        assertThat(index.attempts(s2)).isEqualTo(4);
    }
}
