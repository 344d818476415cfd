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

    public static RelayConfig defaults() {
        return new RelayConfig(30_000, 300, 300, 600, 4, 60, 60);
    }
}
