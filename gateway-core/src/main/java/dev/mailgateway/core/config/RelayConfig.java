package dev.mailgateway.core.config;

/**
 * Outbound SMTP client settings. Timeouts follow RFC 5321 4.5.3.2 (greeting 5 min, commands
 * 5 min, end of data 10 min) but are configurable; the pool keeps at most
 * {@code poolMaxPerUpstream} connections per upstream per worker, closing idle ones after
 * {@code poolIdleTimeoutSec}. A provider that fails to resolve, connect, greet, EHLO, STARTTLS or
 * AUTH is skipped until a probe succeeds; probes run after 1 s, then at doubling intervals
 * capped at {@code providerBackoffSec}.
 */
public record RelayConfig(
        int connectTimeoutMs, int greetingTimeoutSec, int commandTimeoutSec, int dataTimeoutSec,
        int poolMaxPerUpstream, int poolIdleTimeoutSec, int providerBackoffSec) {

    public RelayConfig {
        Check.positive("relay.connectTimeoutMs", connectTimeoutMs);
        Check.positive("relay.greetingTimeoutSec", greetingTimeoutSec);
        Check.positive("relay.commandTimeoutSec", commandTimeoutSec);
        Check.positive("relay.dataTimeoutSec", dataTimeoutSec);
        Check.positive("relay.poolMaxPerUpstream", poolMaxPerUpstream);
        Check.positive("relay.poolIdleTimeoutSec", poolIdleTimeoutSec);
        Check.positive("relay.providerBackoffSec", providerBackoffSec);
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
    public static final int DEFAULT_GREETING_TIMEOUT_SEC = 300;
    public static final int DEFAULT_COMMAND_TIMEOUT_SEC = 300;
    public static final int DEFAULT_DATA_TIMEOUT_SEC = 600;
    public static final int DEFAULT_POOL_MAX_PER_UPSTREAM = 4;
    public static final int DEFAULT_POOL_IDLE_TIMEOUT_SEC = 60;
    public static final int DEFAULT_PROVIDER_BACKOFF_SEC = 60;

    public static RelayConfig defaults() {
        return new RelayConfig(DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_GREETING_TIMEOUT_SEC,
                DEFAULT_COMMAND_TIMEOUT_SEC, DEFAULT_DATA_TIMEOUT_SEC,
                DEFAULT_POOL_MAX_PER_UPSTREAM, DEFAULT_POOL_IDLE_TIMEOUT_SEC,
                DEFAULT_PROVIDER_BACKOFF_SEC);
    }
}
