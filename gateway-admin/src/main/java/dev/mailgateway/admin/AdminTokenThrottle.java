package dev.mailgateway.admin;

import dev.mailgateway.core.config.AdminConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttles bearer-token guessing on {@code /admin/*}, per client address (like the SMTP AUTH
 * guard): {@code admin.maxTokenFailures} missing or wrong tokens within
 * {@code admin.tokenFailureWindowSec} (counted from the first) lock the address out for
 * {@code admin.tokenLockoutSec}; meanwhile every {@code /admin/*} request from it is answered
 * {@code 429} with {@code Retry-After}, right token or not, so guessing goes on no faster.
 * A right token outside a lockout clears the count.
 *
 * <p>Logging is rate-limited per address: the first failure of an interval (one failure window
 * long) is logged, the rest are counted and reported in one summary line with the next event
 * after the interval; a lockout is one WARN line. At most {@link #MAX_TRACKED} addresses are
 * tracked (least recently seen dropped), so memory does not grow with the number of guessers.
 * Thread-safe (synchronized; the admin API runs on one event loop).
 */
final class AdminTokenThrottle {

    private static final Logger log = LoggerFactory.getLogger(AdminTokenThrottle.class);
    static final int MAX_TRACKED = 10_000;

    private final int maxFailures;
    private final long windowMs;
    private final long lockoutMs;
    private final AdminMetrics metrics;
    private final LongSupplier clock;
    private final Map<InetAddress, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Entry> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    private static final class Entry {
        long windowStart;
        int failures;
        long lockedUntil;
        long logIntervalStart = Long.MIN_VALUE / 4; // "long ago", without overflow in now - start
        int unloggedFailures;
        int unloggedRefusals;
    }

    AdminTokenThrottle(AdminConfig config, GatewayMetrics metrics, LongSupplier clock) {
        this.maxFailures = config.maxTokenFailures();
        this.windowMs = config.tokenFailureWindowSec() * 1000L;
        this.lockoutMs = config.tokenLockoutSec() * 1000L;
        this.metrics = new AdminMetrics(metrics);
        this.clock = clock;
    }

    /** Seconds until {@code ip} may try again (for Retry-After), or 0 when it is not locked out. */
    synchronized long lockedOutSeconds(InetAddress ip) {
        Entry e = entries.get(ip);
        long now = clock.getAsLong();
        if (e == null || e.lockedUntil <= now) {
            return 0;
        }
        metrics.adminThrottled.inc();
        e.unloggedRefusals++;
        summaryIfDue(ip, e, now);
        return Math.max(1, (e.lockedUntil - now + 999) / 1000);
    }

    /** A missing or wrong token from {@code ip}; {@code what} says which request (already escaped). */
    synchronized void failed(InetAddress ip, String what) {
        metrics.adminAuthFailures.inc();
        long now = clock.getAsLong();
        Entry e = entries.computeIfAbsent(ip, k -> new Entry());
        if (e.failures == 0 || now - e.windowStart >= windowMs) {
            e.windowStart = now;
            e.failures = 0;
        }
        e.failures++;
        if (e.failures >= maxFailures) {
            e.lockedUntil = now + lockoutMs;
            e.failures = 0;
            flushSummary(ip, e, now);
            log.warn("admin: {} locked out of /admin/* for {} s after {} missing or wrong bearer tokens"
                    + " within {} s (last: {})", ip.getHostAddress(), lockoutMs / 1000, maxFailures,
                    windowMs / 1000, what);
            e.logIntervalStart = now;
            return;
        }
        if (now - e.logIntervalStart >= windowMs) {
            flushSummary(ip, e, now);
            e.logIntervalStart = now;
            log.info("admin: missing or wrong bearer token from {} ({}); failure {} of {} within {} s",
                    ip.getHostAddress(), what, e.failures, maxFailures, windowMs / 1000);
        } else {
            e.unloggedFailures++;
        }
    }

    /** A right token: the address's failure count starts again. */
    synchronized void succeeded(InetAddress ip) {
        Entry e = entries.get(ip);
        if (e != null && e.lockedUntil <= clock.getAsLong()) {
            flushSummary(ip, e, clock.getAsLong());
            entries.remove(ip);
        }
    }

    private void summaryIfDue(InetAddress ip, Entry e, long now) {
        if (now - e.logIntervalStart >= windowMs) {
            flushSummary(ip, e, now);
            e.logIntervalStart = now;
        }
    }

    private void flushSummary(InetAddress ip, Entry e, long now) {
        if (e.unloggedFailures > 0 || e.unloggedRefusals > 0) {
            log.info("admin: {} more missing or wrong bearer tokens and {} requests refused with 429 from {}"
                    + " in the last {} s", e.unloggedFailures, e.unloggedRefusals, ip.getHostAddress(),
                    Math.max(0, (now - e.logIntervalStart) / 1000));
            e.unloggedFailures = 0;
            e.unloggedRefusals = 0;
        }
    }
}
