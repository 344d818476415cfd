package dev.mailgateway.core.config;

/**
 * Durability of accepted mail. {@code fsync} true: a 250 means the message is fsynced
 * (group commit). false: the OS decides when data reaches the disk ("fast, may lose the last
 * seconds on power loss"). Below {@code minFreeDiskMb} free, new mail is refused with 452.
 */
public record SpoolConfig(boolean fsync, long minFreeDiskMb) {

    public SpoolConfig {
        Check.nonNegative("spool.minFreeDiskMb", minFreeDiskMb);
    }

    public static SpoolConfig defaults() {
        return new SpoolConfig(true, 100);
    }
}
