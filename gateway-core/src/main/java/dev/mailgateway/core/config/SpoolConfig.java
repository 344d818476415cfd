package dev.mailgateway.core.config;

/**
 * Durability of accepted mail. {@code fsync} true: a 250 means the message is fsynced
 * (group commit). false: the OS decides when data reaches the disk ("fast, may lose the last
 * seconds on power loss"). Below {@code minFreeDiskMb} free, new mail is refused with 452.
 * {@code writeTimeoutSec}: how long the end of DATA waits for the spool before answering
 * {@code 451 4.3.0} (the message may still become durable later and is then delivered).
 */
public record SpoolConfig(boolean fsync, long minFreeDiskMb, int writeTimeoutSec) {

    public SpoolConfig {
        Check.nonNegative("spool.minFreeDiskMb", minFreeDiskMb);
        Check.positive("spool.writeTimeoutSec", writeTimeoutSec);
    }

    public static SpoolConfig defaults() {
        return new SpoolConfig(true, 100, 30);
    }
}
