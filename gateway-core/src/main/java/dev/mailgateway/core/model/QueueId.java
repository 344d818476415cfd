package dev.mailgateway.core.model;

/**
 * A message's queue id: 16 characters of Crockford base32 (digits and upper-case letters
 * without I, L, O, U). The first 9 encode the accept time in milliseconds, so ids sort by time;
 * the last 7 are a per-process counter seeded at random, so ids are unique across restarts.
 * Safe as a file name; {@link #parse} rejects anything else (no path traversal).
 */
public record QueueId(String value) implements Comparable<QueueId> {

    public static final int LENGTH = 16;
    public QueueId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("not a queue id: " + value);
        }
    }

    /** True when {@code text} is a well-formed queue id. */
    public static boolean isValid(String text) {
        // a plain loop, not a regex: this runs for every accepted message
        if (text == null || text.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (!isCrockfordDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isCrockfordDigit(char c) {
        return (c >= '0' && c <= '9')
                || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
    }

    /** @throws IllegalArgumentException when {@code text} is not a well-formed id */
    public static QueueId parse(String text) {
        return new QueueId(text);
    }

    @Override
    public int compareTo(QueueId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
