package dev.mailgateway.core.config;

/**
 * The current configuration, replaced as a whole on reload (SIGHUP). Components that honour
 * run-time changes (rate limits, credentials, providers, batching, retry) read
 * {@link #current()} when they need a value; everything else copies what it needs at start-up.
 * Thread-safe: a volatile reference to an immutable record.
 */
public final class LiveConfig {

    private volatile GatewayConfig current;

    public LiveConfig(GatewayConfig initial) {
        this.current = initial;
    }

    public GatewayConfig current() {
        return current;
    }

    /** Replaces the configuration; readers see it at their next {@link #current()}. */
    public void replace(GatewayConfig next) {
        this.current = next;
    }
}
