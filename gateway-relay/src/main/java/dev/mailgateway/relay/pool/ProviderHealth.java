package dev.mailgateway.relay.pool;

import dev.mailgateway.core.config.ProviderConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers' circuit breaker, shared by every worker: a provider that failed to connect,
 * greet, EHLO, STARTTLS or AUTH is down until {@code relay.providerBackoffSec} has passed, and
 * workers skip it meanwhile. Thread-safe: one concurrent map of down-until times (nanoTime),
 * keyed by provider entry.
 */
public final class ProviderHealth {

    private static final Logger log = LoggerFactory.getLogger(ProviderHealth.class);

    private record Down(long untilNanos, String reason) {
    }

    private final ConcurrentHashMap<ProviderConfig, Down> down = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    public ProviderHealth() {
        this(System::nanoTime);
    }

    public ProviderHealth(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Marks the provider down for {@code backoffSec}; logs once per trip. Any thread. */
    public void markDown(ProviderConfig provider, int backoffSec, String reason) {
        long until = nanoClock.getAsLong() + backoffSec * 1_000_000_000L;
        Down previous = down.put(provider, new Down(until, reason));
        if (previous == null) {
            log.warn("provider {} marked down for {}s: {}", provider.address(), backoffSec, reason);
        }
    }

    /** True unless the provider is inside its back-off period. Any thread. */
    public boolean isUp(ProviderConfig provider) {
        Down d = down.get(provider);
        if (d == null) {
            return true;
        }
        if (nanoClock.getAsLong() - d.untilNanos() >= 0) {
            if (down.remove(provider, d)) {
                log.info("provider {} back-off ended, trying it again", provider.address());
            }
            return true;
        }
        return false;
    }

    /** True while the provider is inside its back-off period; unlike {@link #isUp} it changes nothing. */
    public boolean isDownNow(ProviderConfig provider) {
        Down d = down.get(provider);
        return d != null && nanoClock.getAsLong() - d.untilNanos() < 0;
    }

    /** Problems for the health check: non-empty only when every provider is down. */
    public List<String> problemsIfAllDown(List<ProviderConfig> providers) {
        if (providers.isEmpty()) {
            return List.of();
        }
        List<String> reasons = new ArrayList<>(providers.size());
        for (ProviderConfig p : providers) {
            if (isUp(p)) {
                return List.of();
            }
            Down d = down.get(p);
            reasons.add(p.address() + " (" + (d == null ? "down" : d.reason()) + ")");
        }
        return List.of("every upstream provider is down: " + String.join(", ", reasons));
    }
}
