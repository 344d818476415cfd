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

class DispatchQueueTest {

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final AtomicInteger polled = new AtomicInteger();

    private SpooledMessage message() {
        return SpooledMessage.fresh(new Envelope(ids.next(), "a@example.com",
                List.of("b@example.com"), Instant.now(), "client", "127.0.0.1", "", false, false));
    }

    private DispatchQueue queue(int capacity) {
        return new DispatchQueue(capacity, polled::incrementAndGet);
    }

    @Test
    void offerRefusesPastTheConfiguredCapacityNotThePowerOfTwo() {
        DispatchQueue q = queue(3); // backed by 4 slots
        assertThat(q.offer(message())).isTrue();
        assertThat(q.offer(message())).isTrue();
        assertThat(q.offer(message())).isTrue();
        assertThat(q.offer(message())).isFalse();
        assertThat(q.size()).isEqualTo(3);
    }

    @Test
    void messagesOfferedBeforeTheConsumerIsBoundWakeItOnBind() {
        DispatchQueue q = queue(4);
        q.offer(message());
        List<Runnable> scheduled = new ArrayList<>();

        q.bindConsumer(scheduled::add, () -> { });

        assertThat(scheduled).hasSize(1);
    }

    @Test
    void parkIfEmptyTellsTheConsumerToGoOnWhenAMessageSlippedIn() {
        DispatchQueue q = queue(4);
        List<Runnable> scheduled = new ArrayList<>();
        q.bindConsumer(scheduled::add, () -> { });
        q.offer(message()); // consumer idle: one wake-up
        assertThat(scheduled).hasSize(1);
        assertThat(q.poll()).isNotNull();
        q.offer(message()); // consumer still awake: no wake-up scheduled

        assertThat(q.parkIfEmpty()).as("a message is waiting: keep polling").isFalse();
        assertThat(scheduled).hasSize(1);
        assertThat(q.poll()).isNotNull();
        assertThat(q.parkIfEmpty()).isTrue();
        assertThat(polled).hasValue(2); // afterPoll runs once per message taken
    }
}
