package dev.mailgateway.core.config;

/**
 * Abuse limits on the SMTP side. {@code commandDeadlineSec}: a whole command line must arrive
 * within this many seconds of its first byte; {@code dataDeadlineSec}: the whole DATA transfer
 * (354 to the final dot) within this many seconds (slow clients, #15).
 */
public record LimitsConfig(
        long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
        int idleTimeoutSec,
        int commandDeadlineSec, int dataDeadlineSec) {

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
        Check.positive("limits.commandDeadlineSec", commandDeadlineSec);
        Check.positive("limits.dataDeadlineSec", dataDeadlineSec);
    }

    public static LimitsConfig defaults() {
        return new LimitsConfig(26_214_400L, 1000, 10_000, 200, 300,
                60, 600);
    }
}
