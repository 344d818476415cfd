package dev.mailgateway.smtp.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.RateLimitsConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Spec section 4: per sender and global, per hour and per day, sliding windows. */
class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(Duration.ofDays(20000).toMillis());
    private volatile RateLimitsConfig config = new RateLimitsConfig(true, 3, 5, 100, 1000);
    private final RateLimiter limiter = new RateLimiter(() -> config, now::get, 1000);

    private void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }

    /** What MAIL FROM learns (the server's entry point): reserve, and give the slot back at once. */
    private static RateLimiter.Verdict check(RateLimiter limiter, String sender) {
        RateLimiter.Reservation r = limiter.reserve(sender);
        r.release();
        return r.verdict();
    }

    @Test
    void allowsUpToTheHourlyLimitThenNamesIt() {
        for (int i = 0; i < 3; i++) {
            assertThat(check(limiter, "a@b.c").allowed()).isTrue();
            limiter.record("a@b.c");
        }
        RateLimiter.Verdict v = check(limiter, "A@B.C"); // case-insensitive
        assertThat(v.allowed()).isFalse();
        assertThat(v.limit()).isEqualTo("maxPerHour");
        assertThat(v.max()).isEqualTo(3);
        assertThat(v.retryAfterSeconds()).isBetween(3600L, 3900L);
        assertThat(check(limiter, "other@b.c").allowed()).isTrue();
    }

    @Test
    void hourWindowSlidesWithoutADoubleBurstAtTheBoundary() {
        advance(Duration.ofMinutes(50));
        for (int i = 0; i < 3; i++) {
            limiter.record("a@b.c");
        }
        advance(Duration.ofMinutes(15)); // a fixed hourly window would have reset here
        assertThat(check(limiter, "a@b.c").allowed()).as("the three from 15 minutes ago still count").isFalse();
        advance(Duration.ofMinutes(51)); // 66 minutes after them: they have left the window
        assertThat(check(limiter, "a@b.c").allowed()).isTrue();
    }

    @Test
    void oldMessagesLeaveTheHourWindow() {
        for (int i = 0; i < 3; i++) {
            limiter.record("a@b.c");
        }
        advance(Duration.ofMinutes(66));
        assertThat(check(limiter, "a@b.c").allowed()).isTrue();
    }

    @Test
    void dailyLimitAppliesAcrossHours() {
        for (int i = 0; i < 5; i++) {
            assertThat(check(limiter, "a@b.c").allowed()).isTrue();
            limiter.record("a@b.c");
            advance(Duration.ofMinutes(90));
        }
        RateLimiter.Verdict v = check(limiter, "a@b.c");
        assertThat(v.limit()).isEqualTo("maxPerDay");
        advance(Duration.ofHours(25));
        assertThat(check(limiter, "a@b.c").allowed()).isTrue();
    }

    @Test
    void globalLimitsCountEverySender() {
        config = new RateLimitsConfig(true, 100, 100, 2, 1000);
        limiter.record("a@b.c");
        limiter.record("d@e.f");
        RateLimiter.Verdict v = check(limiter, "x@y.z");
        assertThat(v.allowed()).isFalse();
        assertThat(v.limit()).isEqualTo("globalMaxPerHour");
    }

    @Test
    void reservationsStopBurstsBeforeAnyCommit() {
        RateLimiter.Reservation r1 = limiter.reserve("a@b.c");
        RateLimiter.Reservation r2 = limiter.reserve("a@b.c");
        RateLimiter.Reservation r3 = limiter.reserve("a@b.c");
        assertThat(r1.allowed() && r2.allowed() && r3.allowed()).isTrue();
        assertThat(limiter.reserve("a@b.c").allowed()).as("three in flight fill the hour").isFalse();
        r1.release(); // refused by the spool: no quota burnt
        assertThat(limiter.reserve("a@b.c").allowed()).isTrue();
    }

    @Test
    void commitCountsAndReleaseDoesNot() {
        limiter.reserve("a@b.c").commit();
        limiter.reserve("a@b.c").release();
        limiter.reserve("a@b.c").commit();
        RateLimiter.Reservation third = limiter.reserve("a@b.c");
        assertThat(third.allowed()).isTrue();
        third.commit();
        third.commit(); // idempotent
        assertThat(limiter.reserve("a@b.c").allowed()).isFalse();
    }

    @Test
    void disabledAllowsEverythingAndConfigChangesApply() {
        config = new RateLimitsConfig(false, 1, 1, 1, 1);
        for (int i = 0; i < 10; i++) {
            limiter.reserve("a@b.c").commit();
        }
        assertThat(check(limiter, "a@b.c").allowed()).isTrue();
        config = new RateLimitsConfig(true, 1, 1, 1, 1);
        limiter.record("a@b.c");
        assertThat(check(limiter, "a@b.c").allowed()).isFalse();
    }

    @Test
    void senderKeyPrefersTheAuthenticatedUser() {
        assertThat(RateLimiter.senderKey("App", "X@Y.z")).isEqualTo("user:app");
        assertThat(RateLimiter.senderKey(null, "X@Y.z")).isEqualTo("x@y.z");
    }

    @Test
    void manySendersStayBounded() {
        RateLimiter small = new RateLimiter(() -> config, now::get, 100);
        for (int i = 0; i < 10_000; i++) {
            small.record("sender" + i + "@example.com");
        }
        // the last sender is still tracked; the cache did not grow without bound
        small.record("sender9999@example.com");
        small.record("sender9999@example.com");
        assertThat(check(small, "sender9999@example.com").allowed()).isFalse();
    }
}
