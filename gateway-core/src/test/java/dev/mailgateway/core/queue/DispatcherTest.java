package dev.mailgateway.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import java.time.Instant;
import dev.mailgateway.core.model.QueueId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    private final QueueIdGenerator ids = new QueueIdGenerator();

    private SpooledMessage message() {
        return SpooledMessage.fresh(new Envelope(ids.next(), "a@example.com",
                List.of("b@example.com"), Instant.now(), "client", "127.0.0.1", "", false, false));
    }

    @Test
    void capacitiesAddUpToQueueSize() {
        Dispatcher d = new Dispatcher(3, 10);
        assertThat(d.queue(0).capacity() + d.queue(1).capacity() + d.queue(2).capacity()).isEqualTo(10);
    }

    @Test
    void fullQueuesParkMessagesInOverflowAndRefillWhenConsumerPolls() {
        Dispatcher d = new Dispatcher(1, 2);
        d.dispatch(message());
        d.dispatch(message());
        assertThat(d.hasCapacity()).isFalse();
        d.dispatch(message()); // nothing is dropped
        assertThat(d.overflowSize()).isEqualTo(1);
        List<SpooledMessage> got = new ArrayList<>();
        SpooledMessage m;
        while ((m = d.queue(0).poll()) != null) {
            got.add(m);
        }
        assertThat(got).hasSize(3);
        assertThat(d.overflowSize()).isZero();
        assertThat(d.hasCapacity()).isTrue();
    }

    @Test
    void waitingMessagesEnterTheWindowOldestFirst() {
        Dispatcher d = new Dispatcher(2, 2);
        List<SpooledMessage> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            SpooledMessage m = message();
            sent.add(m);
            d.dispatch(m);
        }
        assertThat(d.depth()).isEqualTo(2);
        assertThat(d.overflowSize()).isEqualTo(48);
        List<SpooledMessage> got = new ArrayList<>();
        for (int round = 0; round < 100 && got.size() < 50; round++) {
            for (int q = 0; q < 2; q++) {
                SpooledMessage m = d.queue(q).poll();
                if (m != null) {
                    got.add(m);
                }
            }
        }
        // each queue is FIFO and the waiting list feeds them in order: the order of the
        // first two aside (one per queue), nothing overtakes an older message by more than a slot
        assertThat(got).hasSize(50).containsExactlyInAnyOrderElementsOf(sent);
        for (int i = 0; i < got.size(); i++) {
            assertThat(Math.abs(sent.indexOf(got.get(i)) - i)).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void wakesAnIdleConsumerOncePerIdlePeriod() {
        Dispatcher d = new Dispatcher(1, 8);
        List<Runnable> scheduled = new ArrayList<>();
        AtomicInteger wakeUps = new AtomicInteger();
        d.queue(0).bindConsumer(scheduled::add, wakeUps::incrementAndGet);
        d.dispatch(message());
        d.dispatch(message());
        assertThat(scheduled).hasSize(1); // second offer saw the consumer already awake
        scheduled.get(0).run();
        while (d.queue(0).poll() != null) {
            // drain
        }
        assertThat(d.queue(0).parkIfEmpty()).isTrue();
        d.dispatch(message());
        assertThat(scheduled).hasSize(2);
        assertThat(wakeUps).hasValue(1);
    }

    @Test
    void concurrentProducersAndConsumersLoseNothingAndLeaveNoOverflowBehind() throws Exception {
        // Small queues force the overflow path; every message must come out exactly once and the
        // overflow list must end empty (a stranded message would keep hasCapacity() false).
        Dispatcher d = new Dispatcher(2, 4);
        int producers = 4;
        int perProducer = 5_000;
        int total = producers * perProducer;
        Set<QueueId> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            DispatchQueue q = d.queue(c);
            threads.add(new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!stop.get() && seen.size() < total && System.nanoTime() < deadline) {
                    SpooledMessage m = q.poll();
                    if (m != null && !seen.add(m.id())) {
                        duplicates.incrementAndGet();
                    }
                    if (m == null) {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        for (int p = 0; p < producers; p++) {
            threads.add(new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    d.dispatch(message());
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(35_000);
        }
        stop.set(true);

        assertThat(duplicates).hasValue(0);
        assertThat(seen).hasSize(total);
        assertThat(d.overflowSize()).isZero();
        assertThat(d.hasCapacity()).isTrue();
    }
}
