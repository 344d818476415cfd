package dev.mailgateway.core.config;

/**
 * Abuse limits on the SMTP side. {@code maxBufferedDataBytes}: the gateway-wide budget for
 * message bytes received in DATA and not yet written to the spool; when it is used up,
 * connections in DATA stop being read until the spool writer catches up (nobody is refused).
 * {@code commandDeadlineSec}: a whole command line must arrive within this many seconds of its
 * first byte; {@code dataDeadlineSec}: the whole DATA transfer (354 to the final dot) within
 * this many seconds (slow clients, #15).
 */
public record LimitsConfig(
        long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
        int idleTimeoutSec, long maxBufferedDataBytes,
        int commandDeadlineSec, int dataDeadlineSec) {

    /** Default of {@code limits.maxBufferedDataBytes}: 32 MiB, an eighth of a 256 MiB heap. */
    public static final long DEFAULT_MAX_BUFFERED_DATA_BYTES = 33_554_432L;
    /** Default of {@code limits.commandDeadlineSec}. */
    public static final int DEFAULT_COMMAND_DEADLINE_SEC = 60;
    /** Default of {@code limits.dataDeadlineSec}. */
    public static final int DEFAULT_DATA_DEADLINE_SEC = 600;

    /** Without the deadlines (they take their defaults). */
    public LimitsConfig(long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
                        int idleTimeoutSec, long maxBufferedDataBytes) {
        this(maxMessageSizeBytes, maxRecipients, maxConnections, maxConnectionsPerIp, idleTimeoutSec,
                maxBufferedDataBytes, DEFAULT_COMMAND_DEADLINE_SEC, DEFAULT_DATA_DEADLINE_SEC);
    }

    /** Without the DATA budget (it takes its default). */
    public LimitsConfig(long maxMessageSizeBytes, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
                        int idleTimeoutSec, int commandDeadlineSec, int dataDeadlineSec) {
        this(maxMessageSizeBytes, maxRecipients, maxConnections, maxConnectionsPerIp, idleTimeoutSec,
                DEFAULT_MAX_BUFFERED_DATA_BYTES, commandDeadlineSec, dataDeadlineSec);
    }

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
        Check.positive("limits.commandDeadlineSec", commandDeadlineSec);
        Check.positive("limits.dataDeadlineSec", dataDeadlineSec);
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final long DEFAULT_MAX_MESSAGE_SIZE_BYTES = 26_214_400L;
    public static final int DEFAULT_MAX_RECIPIENTS = 1000;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 200;
    public static final int DEFAULT_IDLE_TIMEOUT_SEC = 300;

    public static LimitsConfig defaults() {
        // 32 MiB of DATA in flight: an eighth of a 256 MiB heap, so it cannot crowd out the rest
        return new LimitsConfig(DEFAULT_MAX_MESSAGE_SIZE_BYTES, DEFAULT_MAX_RECIPIENTS, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_IDLE_TIMEOUT_SEC,
                DEFAULT_MAX_BUFFERED_DATA_BYTES, DEFAULT_COMMAND_DEADLINE_SEC,
                DEFAULT_DATA_DEADLINE_SEC);
    }
}
