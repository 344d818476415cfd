package dev.mailgateway.core.config;

/**
 * Durability of accepted mail. {@code fsync} true: a 250 means the message is fsynced
 * (group commit). false: the OS decides when data reaches the disk ("fast, may lose the last
 * seconds on power loss"). Below {@code minFreeDiskMb} free, new mail is refused with 452.
 * {@code maxMessages} bounds what is accepted: at that many undelivered messages in the spool,
 * new mail is refused with 452 4.3.1 (not the in-memory {@code queueSize}, which is only the
 * dispatch window). A message waiting on disk costs heap for its compact index entry only
 * (measured in BENCHMARKS.md: ~135-170 bytes; its envelope is read back when it enters the
 * window): the default 200,000 implies ~30-35 MB.
 * {@code writeTimeoutSec}: how long the end of DATA waits for the spool before answering
 * {@code 451 4.3.0} (the message may still become durable later and is then delivered).
 */
public record SpoolConfig(boolean fsync, long minFreeDiskMb, int maxMessages, int writeTimeoutSec) {

    /** Default of {@code spool.maxMessages}. */
    public static final int DEFAULT_MAX_MESSAGES = 200_000;

    /** Default of {@code spool.writeTimeoutSec}. */
    public static final int DEFAULT_WRITE_TIMEOUT_SEC = 30;

    /** The two original keys; {@code maxMessages} and {@code writeTimeoutSec} take their defaults. */
    public SpoolConfig(boolean fsync, long minFreeDiskMb) {
        this(fsync, minFreeDiskMb, DEFAULT_MAX_MESSAGES, DEFAULT_WRITE_TIMEOUT_SEC);
    }

    public SpoolConfig {
        Check.nonNegative("spool.minFreeDiskMb", minFreeDiskMb);
        Check.positive("spool.maxMessages", maxMessages);
        Check.positive("spool.writeTimeoutSec", writeTimeoutSec);
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final boolean DEFAULT_FSYNC = true;
    public static final long DEFAULT_MIN_FREE_DISK_MB = 100;

    public static SpoolConfig defaults() {
        return new SpoolConfig(DEFAULT_FSYNC, DEFAULT_MIN_FREE_DISK_MB, DEFAULT_MAX_MESSAGES,
                DEFAULT_WRITE_TIMEOUT_SEC);
    }
}
