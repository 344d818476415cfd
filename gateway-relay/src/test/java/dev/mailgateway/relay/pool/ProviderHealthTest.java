package dev.mailgateway.relay.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The breaker's half-open probing: one chain of probes per provider, doubling, capped. */
class ProviderHealthTest {

    private final EventExecutor executor = new DefaultEventExecutor();
    private final ProviderConfig p = new ProviderConfig("127.0.0.1", 2525, "", "", false, 0, false);

    @AfterEach
    void stop() {
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void probesOneAtATimeAtDoublingIntervalsCappedAtTheBackoffThenClosesForEveryone() throws Exception {
        ProviderHealth h = new ProviderHealth();
        List<Long> probeTimes = new CopyOnWriteArrayList<>();
        AtomicInteger inProbe = new AtomicInteger();
        AtomicInteger overlap = new AtomicInteger();
        h.startProbing(executor, provider -> {
            probeTimes.add(System.nanoTime());
            if (inProbe.incrementAndGet() > 1) {
                overlap.incrementAndGet();
            }
            Promise<Void> done = executor.newPromise();
            executor.schedule(() -> {
                inProbe.decrementAndGet();
                if (probeTimes.size() < 4) {
                    done.setFailure(new IllegalStateException("still down " + probeTimes.size()));
                } else {
                    done.setSuccess(null);
                }
            }, 50, TimeUnit.MILLISECONDS);
            return done;
        }, () -> 2, () -> List.of(p)); // relay.providerBackoffSec 2: intervals 1, 2, 2
        CountDownLatch up = new CountDownLatch(2);
        h.onUp(up::countDown); // two workers' listeners
        h.onUp(up::countDown);

        long downAt = System.nanoTime();
        Thread[] workers = new Thread[8];
        for (int i = 0; i < workers.length; i++) { // many workers report the same failure
            workers[i] = new Thread(() -> h.markDown(p, "cannot connect"));
            workers[i].start();
        }
        for (Thread t : workers) {
            t.join(5_000);
        }
        assertThat(h.isUp(p)).isFalse();
        assertThat(h.problemsIfAllDown(List.of(p))).singleElement().asString().contains("cannot connect");
        assertThat(h.states(List.of(p)).get(0).nextProbe()).isNotNull();

        assertThat(up.await(15, TimeUnit.SECONDS)).as("closed after the 4th probe").isTrue();
        assertThat(h.isUp(p)).isTrue();
        assertThat(probeTimes).as("one chain, not one per report").hasSize(4);
        assertThat(overlap).hasValue(0);
        long[] gapsMs = new long[4];
        long prev = downAt;
        for (int i = 0; i < 4; i++) {
            gapsMs[i] = (probeTimes.get(i) - prev) / 1_000_000;
            prev = probeTimes.get(i);
        }
        // lower bounds only (a loaded machine may be late, never early); 50 ms per probe run
        assertThat(gapsMs[0]).isGreaterThanOrEqualTo(1_000);
        assertThat(gapsMs[1]).isGreaterThanOrEqualTo(2_000);
        assertThat(gapsMs[2]).as("capped at providerBackoffSec, not 4 s").isGreaterThanOrEqualTo(2_000);
        assertThat(h.problemsIfAllDown(List.of(p))).isEmpty();
    }

    @Test
    void withoutProbingAProviderStaysDownUntilMarkedUp() {
        ProviderHealth h = new ProviderHealth();
        h.markDown(p, "refused");
        assertThat(h.anyUp(List.of(p))).isFalse();
        assertThat(h.reason(p)).isEqualTo("refused");
        h.markUp(p);
        assertThat(h.anyUp(List.of(p))).isTrue();
        assertThat(h.states(List.of(p)).get(0).up()).isTrue();
    }
}
