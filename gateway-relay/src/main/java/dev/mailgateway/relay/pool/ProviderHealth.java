package dev.mailgateway.relay.pool;

import dev.mailgateway.core.config.ProviderConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers' circuit breaker, shared by every worker. A provider that failed to connect,
 * resolve, greet, EHLO, STARTTLS or AUTH is <em>down</em> (open breaker): workers skip it. It
 * stays down until a <em>probe</em> succeeds (half-open): one probe at a time per provider, not
 * one per waiting message, after {@value #FIRST_PROBE_MS} ms, then an interval that doubles on
 * each failed probe up to {@code relay.providerBackoffSec}. A successful probe closes the breaker
 * for every worker at once and runs the listeners ({@link #onUp}), so messages waiting for a
 * provider are woken within the time it takes to post a task to their loops.
 *
 * <p>Thread-safe: one concurrent map of down states; probes run on one executor (a relay loop)
 * handed to {@link #startProbing}. Without it (unit tests of the pool) a down provider stays
 * down until {@link #markUp}.
 */
public final class ProviderHealth {

    private static final Logger log = LoggerFactory.getLogger(ProviderHealth.class);

    /** The first probe after a provider goes down; each failed probe doubles the interval. */
    public static final long FIRST_PROBE_MS = 1_000;

    /** What admin and metrics show for one provider; {@code downSince}/{@code nextProbe} null when up. */
    public record State(String address, boolean up, Instant downSince, Instant nextProbe, String reason) {
    }

    private static final class Down {
        final Instant since = Instant.now();
        volatile String reason;
        volatile Instant nextProbe;
        long intervalMs = FIRST_PROBE_MS; // probe executor only

        Down(String reason) {
            this.reason = reason;
        }
    }

    private final ConcurrentHashMap<ProviderConfig, Down> down = new ConcurrentHashMap<>();
    private final List<Runnable> upListeners = new CopyOnWriteArrayList<>();
    private volatile EventExecutor prober;
    private volatile Function<ProviderConfig, Future<?>> probe;
    private volatile IntSupplier maxIntervalSec = () -> 60;
    private volatile Supplier<List<ProviderConfig>> configured = List::of;

    /**
     * Starts probing down providers on {@code executor}. {@code probe} opens a ready-to-send
     * connection (connect, greeting, EHLO, STARTTLS, AUTH: what failed) and closes it; its future
     * succeeds when the provider is usable. A provider no longer in {@code configured} is
     * forgotten at its next probe.
     */
    public void startProbing(EventExecutor executor, Function<ProviderConfig, Future<?>> probe,
                             IntSupplier maxIntervalSec, Supplier<List<ProviderConfig>> configured) {
        this.probe = probe;
        this.maxIntervalSec = maxIntervalSec;
        this.configured = configured;
        this.prober = executor;
    }

    /** Stops probing (shutdown): down providers stay down. */
    public void stopProbing() {
        this.prober = null;
    }

    /** Registers a task run (on the probing thread) each time a provider comes back up. */
    public void onUp(Runnable listener) {
        upListeners.add(listener);
    }

    /**
     * Opens the breaker: the provider is skipped until a probe succeeds. Logs once per outage;
     * a provider already down only gets its reason updated. Any thread.
     */
    public void markDown(ProviderConfig provider, String reason) {
        Down fresh = new Down(reason);
        Down previous = down.putIfAbsent(provider, fresh);
        if (previous != null) {
            previous.reason = reason;
            return;
        }
        log.warn("provider {} is down: {}; probing it in {} ms, then at doubling intervals up to {} s",
                provider.address(), reason, FIRST_PROBE_MS, maxIntervalSec.getAsInt());
        scheduleProbe(provider, fresh, FIRST_PROBE_MS);
    }

    /** Closes the breaker for every worker and wakes the listeners. Any thread. */
    public void markUp(ProviderConfig provider) {
        Down d = down.remove(provider);
        if (d == null) {
            return;
        }
        log.info("provider {} is up again (probe succeeded after {} s down)", provider.address(),
                Math.max(0, Instant.now().getEpochSecond() - d.since.getEpochSecond()));
        for (Runnable r : upListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("provider-up listener failed", e);
            }
        }
    }

    /** True unless the provider's breaker is open. Any thread. */
    public boolean isUp(ProviderConfig provider) {
        return !down.containsKey(provider);
    }

    /** True when at least one of {@code providers} is up. */
    public boolean anyUp(List<ProviderConfig> providers) {
        for (ProviderConfig p : providers) {
            if (isUp(p)) {
                return true;
            }
        }
        return providers.isEmpty();
    }

    /** Why the provider is down, or null when it is up. */
    public String reason(ProviderConfig provider) {
        Down d = down.get(provider);
        return d == null ? null : d.reason;
    }

    /** Problems for the health check: non-empty only when every provider is down. */
    public List<String> problemsIfAllDown(List<ProviderConfig> providers) {
        if (providers.isEmpty()) {
            return List.of();
        }
        List<String> reasons = new ArrayList<>(providers.size());
        for (ProviderConfig p : providers) {
            Down d = down.get(p);
            if (d == null) {
                return List.of();
            }
            reasons.add(p.address() + " (" + d.reason + ")");
        }
        return List.of("every upstream provider is down: " + String.join(", ", reasons));
    }

    /** One state per provider, in the given (priority) order. */
    public List<State> states(List<ProviderConfig> providers) {
        List<State> out = new ArrayList<>(providers.size());
        for (ProviderConfig p : providers) {
            Down d = down.get(p);
            out.add(d == null ? new State(p.address(), true, null, null, null)
                    : new State(p.address(), false, d.since, d.nextProbe, d.reason));
        }
        return out;
    }

    private void scheduleProbe(ProviderConfig provider, Down d, long delayMs) {
        EventExecutor executor = prober;
        if (executor == null) {
            return; // not probing: stays down until markUp
        }
        d.nextProbe = Instant.now().plusMillis(delayMs);
        try {
            executor.schedule(() -> runProbe(provider, d), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the relay group is shutting down: nothing left to probe for
        }
    }

    private void runProbe(ProviderConfig provider, Down d) {
        if (down.get(provider) != d || prober == null) {
            return; // came up meanwhile, or stopped
        }
        if (!configured.get().contains(provider)) {
            down.remove(provider, d); // removed by a reload: nothing to probe
            return;
        }
        Future<?> f;
        try {
            f = probe.apply(provider);
        } catch (RuntimeException e) {
            probeFailed(provider, d, e.toString());
            return;
        }
        f.addListener(done -> {
            if (done.isSuccess()) {
                markUp(provider);
            } else {
                Throwable c = done.cause();
                probeFailed(provider, d, c.getMessage() != null ? c.getMessage() : c.toString());
            }
        });
    }

    private void probeFailed(ProviderConfig provider, Down d, String reason) {
        d.reason = reason;
        long capMs = Math.max(FIRST_PROBE_MS, maxIntervalSec.getAsInt() * 1000L);
        d.intervalMs = Math.min(capMs, d.intervalMs * 2);
        log.debug("probe of {} failed ({}); next in {} ms", provider.address(), reason, d.intervalMs);
        // run on the probing executor so intervalMs stays single-threaded
        EventExecutor executor = prober;
        if (executor != null) {
            try {
                executor.execute(() -> scheduleProbe(provider, d, d.intervalMs));
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        }
    }
}
