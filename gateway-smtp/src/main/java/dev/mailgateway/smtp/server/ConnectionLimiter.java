package dev.mailgateway.smtp.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in total and per client IP, against limits.maxConnections and
 * limits.maxConnectionsPerIp. Thread-safe (called from every SMTP event loop).
 */
final class ConnectionLimiter {

    enum Result { OK, TOO_MANY, TOO_MANY_FROM_IP }

    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Takes a slot for {@code ip}; on OK the caller must {@link #release} it when the connection closes. */
    Result tryAcquire(InetAddress ip) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Result.TOO_MANY;
        }
        boolean[] ok = {true};
        perIp.compute(ip, (k, n) -> {
            int next = n == null ? 1 : n + 1;
            if (next > maxPerIp) {
                ok[0] = false;
                return n;
            }
            return next;
        });
        if (!ok[0]) {
            total.decrementAndGet();
            return Result.TOO_MANY_FROM_IP;
        }
        return Result.OK;
    }

    void release(InetAddress ip) {
        perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }

    int open() {
        return total.get();
    }
}
