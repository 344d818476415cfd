package dev.mailgateway.core.config;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The current configuration, replaced as a whole on reload (SIGHUP). Components that honour
 * run-time changes (rate limits, credentials, providers, batching, retry) read
 * {@link #current()} when they need a value; everything else copies what it needs at start-up.
 * Thread-safe: a volatile reference to an immutable record.
 */
public final class LiveConfig {

    private volatile GatewayConfig current;
    private final List<Consumer<GatewayConfig>> listeners = new CopyOnWriteArrayList<>();

    public LiveConfig(GatewayConfig initial) {
        this.current = initial;
    }

    public GatewayConfig current() {
        return current;
    }

    /** Replaces the configuration and tells every listener, on the calling thread. */
    public void replace(GatewayConfig next) {
        this.current = next;
        for (Consumer<GatewayConfig> l : listeners) {
            l.accept(next);
        }
    }

    public void onChange(Consumer<GatewayConfig> listener) {
        listeners.add(listener);
    }
}
