package dev.mailgateway.core.config;

/**
 * Abuse limits on the SMTP side. {@code maxBufferedDataBytes}: the gateway-wide budget for
 * message bytes received in DATA and not yet written to the spool; when it is used up,
 * connections in DATA stop being read until the spool writer catches up (nobody is refused).
 */
public record LimitsConfig(
        long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
        int idleTimeoutSec, long maxBufferedDataBytes) {

    public LimitsConfig {
        Check.positive("limits.maxMessageSizeBytes", maxMessageSizeBytes);
        if (maxMessageSizeBytes > Integer.MAX_VALUE - 1024) {
            throw new ConfigException("limits.maxMessageSizeBytes must be < 2 GiB, got "
                    + maxMessageSizeBytes);
        }
        Check.positive("limits.maxRecipients", maxRecipients);
        Check.positive("limits.maxConnections", maxConnections);
        Check.positive("limits.maxConnectionsPerIp", maxConnectionsPerIp);
        Check.positive("limits.idleTimeoutSec", idleTimeoutSec);
        if (maxBufferedDataBytes < 65_536) {
            throw new ConfigException("limits.maxBufferedDataBytes must be >= 65536, got " + maxBufferedDataBytes);
        }
    }

    public static LimitsConfig defaults() {
        // 32 MiB: an eighth of a 256 MiB heap, so DATA in flight cannot crowd out the rest
        return new LimitsConfig(26_214_400L, 1000, 10_000, 200, 300, 33_554_432L);
    }
}
