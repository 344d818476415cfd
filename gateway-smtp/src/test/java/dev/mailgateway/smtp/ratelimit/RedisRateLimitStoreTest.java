package dev.mailgateway.smtp.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.RateLimitsConfig;
import dev.mailgateway.core.config.RedisRateLimitsConfig;
import dev.mailgateway.testkit.RedisServerProcess;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the Redis backend has: Redis's clock, key expiry, memory, and Redis failing. */
class RedisRateLimitStoreTest {

    private RedisServerProcess redis;
    private final String prefix = "t:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private volatile RateLimitsConfig config;
    private RateLimits limits;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (limits != null) {
                limits.close();
            }
        } finally {
            redis.stop();
        }
    }

    private void limits(int perHour, String onError, int timeoutMs) {
        config = new RateLimitsConfig(true, perHour, 1000, 10_000, 100_000,
                new RedisRateLimitsConfig(redis.uri(), prefix, timeoutMs, onError));
        limits = RateLimits.create(() -> config);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private RateLimiter.Reservation reserve(String sender) throws Exception {
        CompletableFuture<RateLimiter.Reservation> f = limits.reserve(sender);
        return f.get(10, TimeUnit.SECONDS);
    }

    private long redisMinute() throws Exception {
        @SuppressWarnings("unchecked")
        List<Object> t = (List<Object>) redis.command("TIME");
        return Long.parseLong((String) t.get(0)) / 60;
    }

    @Test
    void theHourIsSixtyMinuteBucketsPlusTheCurrentOneOnRedissClock() throws Exception {
        limits(3, "reject", 2000);
        await("connected", () -> limits.problems().isEmpty());
        long head = redisMinute();
        String key = prefix + "s:a@b.c:h";
        // two messages 60 minutes ago (still inside), five 61 minutes ago (just left the window)
        redis.command("HSET", key, Long.toString(head - 60), "2", Long.toString(head - 61), "5");
        RateLimiter.Reservation first = reserve("a@b.c");
        assertThat(first.allowed()).isTrue();
        first.commit();
        RateLimiter.Reservation over = reserve("a@b.c");
        assertThat(over.allowed()).isFalse();
        // the oldest counted bucket leaves within the next minute or two (it is head-60 now)
        assertThat(over.verdict().retryAfterSeconds()).isBetween(1L, 120L);
        assertThat(redis.command("HEXISTS", key, Long.toString(head - 61))).as("stale bucket deleted").isEqualTo(0L);
    }

    @Test
    void keysExpireOnTheirOwnAndMemoryPerSenderIsSmall() throws Exception {
        limits(1000, "reject", 2000);
        await("connected", () -> limits.problems().isEmpty());
        for (int i = 0; i < 20; i++) {
            RateLimiter.Reservation r = reserve("sender" + i + "@example.com");
            assertThat(r.allowed()).isTrue();
            r.commit();
        }
        long hourTtl = (Long) redis.command("PTTL", prefix + "s:sender0@example.com:h");
        long dayTtl = (Long) redis.command("PTTL", prefix + "s:sender0@example.com:d");
        assertThat(hourTtl).isBetween(1L, 7_200_000L);
        assertThat(dayTtl).isBetween(7_200_000L, 90_000_000L);
        long hour = (Long) redis.command("MEMORY", "USAGE", prefix + "s:sender0@example.com:h", "SAMPLES", "0");
        long day = (Long) redis.command("MEMORY", "USAGE", prefix + "s:sender0@example.com:d", "SAMPLES", "0");
        // one bucket each: listpack hashes, about 100 bytes each (docs/scale-out.md has the measurement)
        assertThat(hour + day).isLessThan(400);
    }

    @Test
    void aReservationIsOneScriptCallAndTheScriptIsLoadedOnce() throws Exception {
        limits(1000, "reject", 2000);
        await("connected", () -> limits.problems().isEmpty());
        redis.command("CONFIG", "RESETSTAT");
        for (int i = 0; i < 10; i++) {
            reserve("a@b.c").commit();
        }
        String stats = (String) redis.command("INFO", "commandstats");
        assertThat(stats).contains("cmdstat_evalsha:calls=10,").contains("failed_calls=0").doesNotContain("cmdstat_eval:")
                .doesNotContain("failed_calls=1");
    }

    @Test
    void redisDownThenBack_localFallbackThenSharedAgain() throws Exception {
        limits(3, "local", 300);
        await("connected", () -> limits.problems().isEmpty());
        reserve("a@b.c").commit();
        redis.stop();
        // onError=local: this node's windows, which already hold the message counted in Redis
        RateLimiter.Reservation r1 = reserve("a@b.c");
        RateLimiter.Reservation r2 = reserve("a@b.c");
        assertThat(r1.allowed()).isTrue();
        assertThat(r2.allowed()).isTrue();
        r1.commit();
        r2.commit();
        assertThat(reserve("a@b.c").verdict().limit()).isEqualTo("maxPerHour");
        await("health names Redis", () -> !limits.problems().isEmpty());
        assertThat(limits.problems().get(0)).contains("Redis at redis://127.0.0.1:" + redis.port())
                .contains("rateLimits.redis.onError=local");

        redis.startAgain(); // empty: no data, no scripts (NOSCRIPT: the store EVALs once)
        await("health ok again", () -> limits.problems().isEmpty());
        for (int i = 0; i < 3; i++) {
            reserve("a@b.c").commit();
        }
        assertThat(reserve("a@b.c").verdict().limit()).isEqualTo("maxPerHour");
        // no replay: only the three counted since Redis came back are in Redis
        Object count = redis.command("HVALS", prefix + "s:a@b.c:h");
        assertThat(count).isEqualTo(List.of("3"));
    }

    @Test
    void healthNamesRedisWhenItDiesWithoutAnyTraffic() throws Exception {
        limits(3, "local", 300);
        await("connected", () -> limits.problems().isEmpty());
        redis.stop();
        await("health degraded with no MAIL FROM at all", () -> !limits.problems().isEmpty());
        redis.startAgain();
        await("health ok again", () -> limits.problems().isEmpty());
    }

    @Test
    void onErrorRejectAndAllow() throws Exception {
        limits(3, "reject", 300);
        await("connected", () -> limits.problems().isEmpty());
        redis.stop();
        RateLimiter.Reservation r = reserve("a@b.c");
        assertThat(r.allowed()).isFalse();
        assertThat(r.verdict().limit()).isEqualTo(RateLimits.UNAVAILABLE);
        config = new RateLimitsConfig(true, 3, 1000, 10_000, 100_000,
                new RedisRateLimitsConfig(redis.uri(), prefix, 300, "allow"));
        for (int i = 0; i < 10; i++) {
            assertThat(reserve("a@b.c").allowed()).isTrue();
        }
    }

    /** True while Redis does not answer a PING within 100 ms (it is inside DEBUG SLEEP). */
    private boolean redisBlocked() {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", redis.port())) {
            s.setSoTimeout(100);
            s.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getInputStream().read();
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aSlowRedisTimesOutAndThePolicyApplies() throws Exception {
        limits(3, "reject", 200);
        await("connected", () -> limits.problems().isEmpty());
        Thread sleeper = new Thread(() -> {
            try {
                redis.command("DEBUG", "SLEEP", "5");
            } catch (Exception ignored) {
                // the reply comes after the sleep; nothing to check
            }
        });
        sleeper.start();
        try {
            await("Redis is inside DEBUG SLEEP", this::redisBlocked);
            RateLimiter.Reservation r = reserve("a@b.c");
            assertThat(sleeper.isAlive()).as("answered by timeoutMs while Redis still sleeps").isTrue();
            assertThat(r.allowed()).isFalse();
            assertThat(r.verdict().limit()).isEqualTo(RateLimits.UNAVAILABLE);
            assertThat(limits.problems()).singleElement().asString().contains("Timeout");
        } finally {
            sleeper.join(20_000);
        }
        await("health ok after the sleep", () -> limits.problems().isEmpty());
    }

    @Test
    void startsWhileRedisIsDownAndConnectsWhenItComesUp() throws Exception {
        redis.stop();
        limits(2, "local", 300);
        RateLimiter.Reservation r = reserve("a@b.c"); // policy from the first message
        assertThat(r.allowed()).isTrue();
        r.commit();
        assertThat(limits.problems()).hasSize(1);
        redis.startAgain();
        await("connected after Redis came up", () -> limits.problems().isEmpty());
        reserve("a@b.c").commit();
        reserve("a@b.c").commit();
        assertThat(reserve("a@b.c").allowed()).isFalse();
    }
}
