package dev.mailgateway.smtp.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.RateLimitsConfig;
import dev.mailgateway.core.config.RedisRateLimitsConfig;
import dev.mailgateway.testkit.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Spec section 4 against both backends, the same cases: the node's own windows and the ones
 * shared in a real redis-server. Real time (Redis uses its own clock), so only cases that do not
 * need the clock to move; the window edges on Redis's clock are in {@link RedisRateLimitStoreTest}.
 */
class RateLimitBackendsTest {

    enum Backend { LOCAL, REDIS }

    @RegisterExtension
    static final RedisServerExtension redisServer = new RedisServerExtension();
    private volatile RateLimitsConfig config;
    private RateLimits limits;

    @AfterEach
    void close() {
        if (limits != null) {
            limits.close();
        }
    }

    private void limits(Backend backend, int perHour, int perDay, int globalHour, int globalDay) throws Exception {
        RedisRateLimitsConfig r = backend == Backend.LOCAL ? RedisRateLimitsConfig.defaults()
                : new RedisRateLimitsConfig(redisServer.server().uri(), "test:" + UUID.randomUUID() + ":", 2000, "reject");
        config = new RateLimitsConfig(true, perHour, perDay, globalHour, globalDay, r);
        limits = RateLimits.create(() -> config);
        if (backend == Backend.REDIS) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!limits.problems().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20); // connecting in the background
            }
            assertThat(limits.problems()).isEmpty();
        }
    }

    private RateLimiter.Reservation reserve(String sender) throws Exception {
        CompletableFuture<RateLimiter.Reservation> f = limits.reserve(RateLimiter.senderKey(null, sender));
        return f.get(10, TimeUnit.SECONDS);
    }

    private void accept(String sender, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            RateLimiter.Reservation r = reserve(sender);
            assertThat(r.allowed()).as("message %d of %s", i + 1, sender).isTrue();
            r.commit();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void allowsUpToTheHourlyLimitThenNamesItWithTheTimeUntilASlotFrees(Backend backend) throws Exception {
        limits(backend, 3, 5, 100, 1000);
        accept("a@b.c", 3);
        RateLimiter.Reservation over = reserve("A@B.C"); // case-insensitive
        assertThat(over.allowed()).isFalse();
        assertThat(over.verdict().limit()).isEqualTo("maxPerHour");
        assertThat(over.verdict().max()).isEqualTo(3);
        // all three sit in the newest bucket: it leaves the window a little over an hour from now
        assertThat(over.verdict().retryAfterSeconds()).isBetween(3600L, 3900L);
        assertThat(reserve("other@b.c").allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void transactionsInFlightHoldTheirSlots(Backend backend) throws Exception {
        limits(backend, 3, 5, 100, 1000);
        List<RateLimiter.Reservation> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RateLimiter.Reservation r = reserve("a@b.c");
            assertThat(r.allowed()).isTrue();
            held.add(r);
        }
        assertThat(reserve("a@b.c").allowed()).as("three open transactions fill the hour").isFalse();
        held.get(0).release(); // e.g. RSET
        awaitAllowed("a@b.c");
        held.get(1).commit();
        held.get(2).commit();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aReleasedSlotNeverBurnsQuota(Backend backend) throws Exception {
        limits(backend, 3, 5, 100, 1000);
        for (int i = 0; i < 10; i++) {
            RateLimiter.Reservation r = reserve("a@b.c");
            assertThat(r.allowed()).isTrue();
            r.release(); // spool refused, 5xx after DATA, disconnect
        }
        awaitAllowed("a@b.c");
        accept("a@b.c", 3);
        assertThat(reserve("a@b.c").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void globalHourCountsEverySender(Backend backend) throws Exception {
        limits(backend, 100, 100, 4, 1000);
        for (int i = 0; i < 4; i++) {
            accept("s" + i + "@b.c", 1);
        }
        RateLimiter.Reservation over = reserve("new@b.c");
        assertThat(over.allowed()).isFalse();
        assertThat(over.verdict().limit()).isEqualTo("globalMaxPerHour");
        assertThat(over.verdict().max()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void dayLimitsNameThemselves(Backend backend) throws Exception {
        limits(backend, 100, 2, 1000, 1000);
        accept("a@b.c", 2);
        RateLimiter.Verdict v = reserve("a@b.c").verdict();
        assertThat(v.limit()).isEqualTo("maxPerDay");
        assertThat(v.retryAfterSeconds()).isBetween(86_400L, 90_000L);
        close();
        limits(backend, 100, 100, 1000, 3);
        accept("x@b.c", 1);
        accept("y@b.c", 2);
        assertThat(reserve("z@b.c").verdict().limit()).isEqualTo("globalMaxPerDay");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void disabledLimitsAllowEverythingAndCountNothing(Backend backend) throws Exception {
        limits(backend, 1, 1, 1, 1);
        config = new RateLimitsConfig(false, 1, 1, 1, 1, config.redis());
        accept("a@b.c", 5);
        config = new RateLimitsConfig(true, 1, 1, 1, 1, config.redis()); // a reload turns them on
        accept("a@b.c", 1);
        assertThat(reserve("a@b.c").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void parallelReservationsCannotAllSlipUnderTheLimit(Backend backend) throws Exception {
        limits(backend, 20, 1000, 1000, 1000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<RateLimiter.Reservation>> all = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                all.add(pool.submit(() -> reserve("a@b.c")));
            }
            int allowed = 0;
            for (Future<RateLimiter.Reservation> f : all) {
                if (f.get(20, TimeUnit.SECONDS).allowed()) {
                    allowed++;
                }
            }
            assertThat(allowed).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A release with Redis is a second, asynchronous script: wait for it (bounded). */
    private void awaitAllowed(String sender) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            RateLimiter.Reservation r = reserve(sender);
            if (r.allowed()) {
                r.release();
                return;
            }
            assertThat(System.nanoTime()).as("slot given back within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
