package dev.mailgateway.bench.jmh;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.DispatchQueue;
import dev.mailgateway.core.queue.Dispatcher;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Dispatch hand-off, three producers and one consumer: the gateway's {@link Dispatcher} (one
 * bounded JCTools MPSC queue with the idle/awake wake-up flag, producers admitted only while
 * {@code hasCapacity()}, as MAIL FROM does) against an {@link ArrayBlockingQueue} of the same
 * capacity. The consumer polls and, when empty, goes idle through {@code parkIfEmpty()}; the
 * wake-up "executor" runs inline and counts how often producers had to wake it.
 *
 * <p>Read the {@code taken} row of each group: messages handed over per second (the consumer's
 * successful polls). {@code offered} counts the producers' successful offers; the plain
 * {@code produce}/{@code consume} rows count calls, including a producer finding the queue full
 * (back-pressure) and the consumer finding it empty.
 */
@State(Scope.Group)
public class DispatchBenchmark extends BenchmarkBase {

    private static final int CAPACITY = 1024;

    private Dispatcher dispatcher;
    private DispatchQueue queue;
    private ArrayBlockingQueue<SpooledMessage> abq;
    private SpooledMessage message;
    private final LongAdder wakeUps = new LongAdder();

    @Setup(Level.Trial)
    public void setUp() {
        dispatcher = new Dispatcher(1, CAPACITY);
        queue = dispatcher.queue(0);
        queue.bindConsumer(Runnable::run, wakeUps::increment);
        abq = new ArrayBlockingQueue<>(CAPACITY);
        Envelope env = new Envelope(new QueueIdGenerator().next(), "a@example.com",
                List.of("b@example.com"), Instant.now(), "bench", "127.0.0.1", "", false, false);
        message = SpooledMessage.fresh(env);
    }

    @TearDown(Level.Trial)
    public void report() {
        System.out.println("DISPATCH wakeUps=" + wakeUps.sum() + " overflowLeft=" + dispatcher.overflowSize());
    }

    /** Successful hand-offs per thread, summed by JMH over the group's threads. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long offered;
        public long taken;

        @Setup(Level.Iteration)
        public void reset() {
            offered = 0;
            taken = 0;
        }
    }

    @Benchmark
    @Group("mpscDispatcher")
    @GroupThreads(3)
    public void produceMpsc(Counters c) {
        if (!dispatcher.hasCapacity()) {
            Thread.yield(); // 2 cores, 4 threads: give the other side the CPU
            return;
        }
        dispatcher.dispatch(message);
        c.offered++;
    }

    @Benchmark
    @Group("mpscDispatcher")
    @GroupThreads(1)
    public SpooledMessage consumeMpsc(Counters c) {
        SpooledMessage m = queue.poll();
        if (m == null) {
            queue.parkIfEmpty();
            Thread.yield();
        } else {
            c.taken++;
        }
        return m;
    }

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(3)
    public void produceAbq(Counters c) {
        if (!abq.offer(message)) {
            Thread.yield(); // 2 cores, 4 threads: give the other side the CPU
            return;
        }
        c.offered++;
    }

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public SpooledMessage consumeAbq(Counters c) {
        SpooledMessage m = abq.poll();
        if (m != null) {
            c.taken++;
        } else {
            Thread.yield();
        }
        return m;
    }
}
