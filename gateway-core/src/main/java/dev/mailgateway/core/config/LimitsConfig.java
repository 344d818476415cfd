package dev.mailgateway.core.config;

/** Abuse limits on the SMTP side. */
public record LimitsConfig(
        long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
        int idleTimeoutSec) {

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
    }

    public static LimitsConfig defaults() {
        return new LimitsConfig(26_214_400L, 1000, 10_000, 200, 300);
    }
}
