package dev.mailgateway.smtp.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailgateway.core.config.RateLimitsConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Spec section 4: messages per sender per hour and per day, and for the whole gateway per hour
 * and per day, over sliding windows.
 *
 * <p>Call order in the SMTP server: {@link #reserve} at MAIL FROM (checks every limit counting
 * messages accepted <em>and</em> transactions still in flight, so a burst of parallel or
 * pipelined transactions cannot all pass); then {@link Reservation#commit()} when the 250 is
 * sent, or {@link Reservation#release()} when the transaction ends any other way, so a message
 * the spool refused never burns quota. {@link #record} counts a message accepted under the
 * shared Redis limits into this node's windows ({@link RateLimits}), whatever they say.
 *
 * <p>Limits are read from the supplier at each call, so a config reload applies at once.
 * Per-sender state lives in a Caffeine cache bounded in size and expiring a day after the last
 * use: a million distinct senders cost bounded memory (the least recently used are dropped).
 * Thread-safe: per-sender state and the global state each lock themselves (sender, then global).
 */
public final class RateLimiter {

    /** The outcome of a check: allowed, or the limit hit and when to retry. */
    public record Verdict(boolean allowed, String limit, long max, long retryAfterSeconds) {
        public static final Verdict ALLOWED = new Verdict(true, "", 0, 0);
    }

    /** A slot held from MAIL FROM until the transaction ends; commit or release exactly once. */
    public static final class Reservation {
        static final Reservation NONE = new Reservation(Verdict.ALLOWED, null);

        /** What commit ({@code true}) or release ({@code false}) does. */
        interface Settle {
            void settle(boolean accepted);
        }

        private final Verdict verdict;
        private final Settle settle;
        private boolean done;

        Reservation(Verdict verdict, Settle settle) {
            this.verdict = verdict;
            this.settle = settle;
        }

        static Reservation refused(Verdict verdict) {
            return new Reservation(verdict, null);
        }

        public Verdict verdict() {
            return verdict;
        }

        public boolean allowed() {
            return verdict.allowed();
        }

        /** The message was accepted: it now counts against every window. */
        public void commit() {
            if (settle != null && !done) {
                done = true;
                settle.settle(true);
            }
        }

        /** The transaction ended without an accepted message: free the slot. */
        public void release() {
            if (settle != null && !done) {
                done = true;
                settle.settle(false);
            }
        }
    }

    /** Hour window: 12 buckets of 5 minutes; day window: 24 buckets of an hour. */
    static final class Counters {
        final SlidingWindow hour;
        final SlidingWindow day;
        int inFlight;

        Counters(int hourBuckets) {
            hour = new SlidingWindow(hourBuckets, Duration.ofHours(1).toMillis() / hourBuckets);
            day = new SlidingWindow(24, Duration.ofHours(1).toMillis());
        }
    }

    public static final long DEFAULT_MAX_SENDERS = 200_000;

    private final Supplier<RateLimitsConfig> config;
    private final LongSupplier clock;
    private final Cache<String, Counters> senders;
    private final Counters global = new Counters(60);

    public RateLimiter(Supplier<RateLimitsConfig> config) {
        this(config, System::currentTimeMillis, DEFAULT_MAX_SENDERS);
    }

    /**
     * @param config     the current limits (e.g. {@code () -> liveConfig.current().rateLimits()})
     * @param clock      epoch milliseconds
     * @param maxSenders senders tracked at most (least recently used dropped beyond)
     */
    public RateLimiter(Supplier<RateLimitsConfig> config, LongSupplier clock, long maxSenders) {
        this.config = config;
        this.clock = clock;
        this.senders = Caffeine.newBuilder()
                .maximumSize(maxSenders)
                .expireAfterAccess(Duration.ofHours(25))
                .build();
    }

    /** The sender key: the authenticated user if any, else the MAIL FROM address, case-insensitive. */
    public static String senderKey(String authUser, String mailFrom) {
        String k = authUser != null && !authUser.isEmpty() ? "user:" + authUser : mailFrom;
        return k.toLowerCase(Locale.ROOT);
    }

    /**
     * Counts one accepted message for {@code sender} and globally, without checking: what
     * {@link RateLimits} does for a message accepted under the Redis limits.
     */
    public void record(String sender) {
        if (!config.get().enabled()) {
            return;
        }
        Counters s = counters(sender);
        long now = clock.getAsLong();
        synchronized (s) {
            s.hour.add(now, 1);
            s.day.add(now, 1);
        }
        synchronized (global) {
            global.hour.add(now, 1);
            global.day.add(now, 1);
        }
    }

    /** Checks every limit and, when allowed, holds a slot until commit or release. */
    public Reservation reserve(String sender) {
        RateLimitsConfig c = config.get();
        if (!c.enabled()) {
            return Reservation.NONE;
        }
        Counters s = counters(sender);
        long now = clock.getAsLong();
        synchronized (s) {
            synchronized (global) {
                Verdict v = evaluate(c, s, now);
                if (!v.allowed()) {
                    return Reservation.refused(v);
                }
                s.inFlight++;
                global.inFlight++;
            }
        }
        return new Reservation(Verdict.ALLOWED, accepted -> settle(s, accepted));
    }

    private void settle(Counters s, boolean accepted) {
        long now = clock.getAsLong();
        synchronized (s) {
            s.inFlight--;
            if (accepted) {
                s.hour.add(now, 1);
                s.day.add(now, 1);
            }
        }
        synchronized (global) {
            global.inFlight--;
            if (accepted) {
                global.hour.add(now, 1);
                global.day.add(now, 1);
            }
        }
    }

    private Counters counters(String sender) {
        return senders.get(sender.toLowerCase(Locale.ROOT), k -> new Counters(12));
    }

    /** Caller holds both locks. Per-sender limits first: they name the sender's own problem. */
    private Verdict evaluate(RateLimitsConfig c, Counters s, long now) {
        Verdict v = over("maxPerHour", s.hour, c.maxPerHour(), s.inFlight, now);
        if (v == null) {
            v = over("maxPerDay", s.day, c.maxPerDay(), s.inFlight, now);
        }
        if (v == null) {
            v = over("globalMaxPerHour", global.hour, c.globalMaxPerHour(), global.inFlight, now);
        }
        if (v == null) {
            v = over("globalMaxPerDay", global.day, c.globalMaxPerDay(), global.inFlight, now);
        }
        return v == null ? Verdict.ALLOWED : v;
    }

    private static Verdict over(String name, SlidingWindow w, long max, int inFlight, long now) {
        if (w.sum(now) + inFlight >= max) {
            long retry = (w.millisUntilBelow(now, max, inFlight) + 999) / 1000;
            return new Verdict(false, name, max, retry);
        }
        return null;
    }
}
