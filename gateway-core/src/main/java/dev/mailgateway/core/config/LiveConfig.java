package dev.mailgateway.core.config;

/**
 * What a reload may change, held for the components that honour it. {@link #settings()} is the
 * one supplier of the reloadable settings ({@link ReloadableSettings}, which decides what they
 * are); {@link #current()} is the running configuration as a whole: the start-up values with
 * the reloadable ones as last applied (for code that takes a whole {@link GatewayConfig}).
 * {@link #replace} applies only the reloadable keys, so no other setting ever changes after
 * start, whoever calls it. Thread-safe: a volatile reference to an immutable pair.
 */
public final class LiveConfig {

    private record State(GatewayConfig config, ReloadableSettings settings) {
    }

    private volatile State state;

    public LiveConfig(GatewayConfig initial) {
        this.state = new State(initial, ReloadableSettings.of(initial));
    }

    /** The reloadable settings now in effect; read them when needed, never keep them. */
    public ReloadableSettings settings() {
        return state.settings();
    }

    /** The running configuration: start-up values, plus the reloadable settings now in effect. */
    public GatewayConfig current() {
        return state.config();
    }

    /**
     * Applies the reloadable settings of {@code next} ({@link ReloadableSettings#apply}); every
     * other key keeps its running value. Readers see it at their next read.
     *
     * @throws ConfigException when the combination does not validate (nothing changes then)
     */
    public void replace(GatewayConfig next) {
        GatewayConfig merged = ReloadableSettings.apply(state.config(), next);
        this.state = new State(merged, ReloadableSettings.of(merged));
    }
}
