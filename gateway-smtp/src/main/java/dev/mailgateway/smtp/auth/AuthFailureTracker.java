package dev.mailgateway.smtp.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts, counted twice within {@code smtp.authFailureWindowSec} (a window that
 * starts at each counter's first failure):
 * <ul>
 *   <li>per (client address, user name): {@code smtp.maxAuthFailures} block that user name from
 *       that address, so one app's bad password does not lock out the other apps on its host;
 *   <li>per client address: {@link #ADDRESS_CEILING_FACTOR} × {@code smtp.maxAuthFailures} block
 *       the whole address (one address guessing many user names).
 * </ul>
 * A block lasts until the counter's window ends. Counters live in a bounded Caffeine cache.
 * Thread-safe.
 */
public final class AuthFailureTracker {

    /** The per-address ceiling is this many times {@code smtp.maxAuthFailures}. */
    public static final int ADDRESS_CEILING_FACTOR = 4;

    private static final class Failures {
        long windowStart;
        int count;
    }

    private record UserAtAddress(InetAddress ip, String user) {
    }

    private final IntSupplier maxFailures;
    private final IntSupplier windowSec;
    private final LongSupplier clock;
    private final Cache<Object, Failures> failures;

    public AuthFailureTracker(IntSupplier maxFailures, IntSupplier windowSec, LongSupplier clock) {
        this.maxFailures = maxFailures;
        this.windowSec = windowSec;
        this.clock = clock;
        this.failures = Caffeine.newBuilder()
                .maximumSize(200_000)
                .expireAfterAccess(Duration.ofHours(24))
                .build();
    }

    private int addressCeiling() {
        return maxFailures.getAsInt() * ADDRESS_CEILING_FACTOR;
    }

    private static Object key(InetAddress ip, String user) {
        return new UserAtAddress(ip, user.toLowerCase(Locale.ROOT));
    }

    /**
     * Counts a failure of {@code user} from {@code ip}; returns true when that user name from that
     * address, or the address as a whole, has now reached its limit.
     */
    public boolean recordFailure(InetAddress ip, String user) {
        boolean userBlocked = count(key(ip, user), maxFailures.getAsInt());
        boolean addressBlocked = count(ip, addressCeiling());
        return userBlocked || addressBlocked;
    }

    /** Counts a failure against the address only (no user name known); true at the ceiling. */
    public boolean recordFailure(InetAddress ip) {
        return count(ip, addressCeiling());
    }

    /** True while the address has reached the per-address ceiling in its current window. */
    public boolean isBlocked(InetAddress ip) {
        return blocked(ip, addressCeiling());
    }

    /** True while this user name from this address (or the address) is blocked. */
    public boolean isBlocked(InetAddress ip, String user) {
        return blocked(key(ip, user), maxFailures.getAsInt()) || isBlocked(ip);
    }

    private boolean count(Object key, int limit) {
        Failures f = failures.get(key, k -> new Failures());
        long now = clock.getAsLong();
        synchronized (f) {
            if (f.count == 0 || now - f.windowStart > windowSec.getAsInt() * 1000L) {
                f.windowStart = now;
                f.count = 0;
            }
            f.count++;
            return f.count >= limit;
        }
    }

    private boolean blocked(Object key, int limit) {
        Failures f = failures.getIfPresent(key);
        if (f == null) {
            return false;
        }
        long now = clock.getAsLong();
        synchronized (f) {
            return f.count >= limit && now - f.windowStart <= windowSec.getAsInt() * 1000L;
        }
    }
}
