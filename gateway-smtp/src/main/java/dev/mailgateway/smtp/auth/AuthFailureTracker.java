package dev.mailgateway.smtp.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts per client IP: {@code smtp.maxAuthFailures} within
 * {@code smtp.authFailureWindowSec} (a window that starts at the first failure) block the IP
 * until the window ends. Counters live in a bounded Caffeine cache. Thread-safe.
 */
public final class AuthFailureTracker {

    private static final class Failures {
        long windowStart;
        int count;
    }

    private final IntSupplier maxFailures;
    private final IntSupplier windowSec;
    private final LongSupplier clock;
    private final Cache<InetAddress, Failures> failures;

    public AuthFailureTracker(IntSupplier maxFailures, IntSupplier windowSec, LongSupplier clock) {
        this.maxFailures = maxFailures;
        this.windowSec = windowSec;
        this.clock = clock;
        this.failures = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(Duration.ofHours(24))
                .build();
    }

    /** Counts a failure; returns true when the IP has now reached the limit. */
    public boolean recordFailure(InetAddress ip) {
        Failures f = failures.get(ip, k -> new Failures());
        long now = clock.getAsLong();
        synchronized (f) {
            if (f.count == 0 || now - f.windowStart > windowSec.getAsInt() * 1000L) {
                f.windowStart = now;
                f.count = 0;
            }
            f.count++;
            return f.count >= maxFailures.getAsInt();
        }
    }

    /** True while the IP has reached the limit within the current window. */
    public boolean isBlocked(InetAddress ip) {
        Failures f = failures.getIfPresent(ip);
        if (f == null) {
            return false;
        }
        long now = clock.getAsLong();
        synchronized (f) {
            return f.count >= maxFailures.getAsInt() && now - f.windowStart <= windowSec.getAsInt() * 1000L;
        }
    }
}
