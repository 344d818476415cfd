package dev.mailgateway.core.config;

/**
 * Durability of accepted mail. {@code fsync} true: a 250 means the message is fsynced
 * (group commit). false: the OS decides when data reaches the disk ("fast, may lose the last
 * seconds on power loss"). Below {@code minFreeDiskMb} free, new mail is refused with 452.
 * {@code maxMessages} bounds what is accepted: at that many undelivered messages in the spool,
 * new mail is refused with 452 4.3.1 (not the in-memory {@code queueSize}, which is only the
 * dispatch window). Each live message costs heap (its envelope in the spool index, measured in
 * BENCHMARKS.md: ~560 bytes with a small envelope): the default 200,000 implies ~110 MB.
 */
public record SpoolConfig(boolean fsync, long minFreeDiskMb, int maxMessages) {

    /** Default of {@code spool.maxMessages}. */
    public static final int DEFAULT_MAX_MESSAGES = 200_000;

    /** The two original keys; {@code maxMessages} takes its default. */
    public SpoolConfig(boolean fsync, long minFreeDiskMb) {
        this(fsync, minFreeDiskMb, DEFAULT_MAX_MESSAGES);
    }

    public SpoolConfig {
        Check.nonNegative("spool.minFreeDiskMb", minFreeDiskMb);
        Check.positive("spool.maxMessages", maxMessages);
    }

    public static SpoolConfig defaults() {
        return new SpoolConfig(true, 100, DEFAULT_MAX_MESSAGES);
    }
}
