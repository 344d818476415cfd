package dev.mailgateway.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
}
