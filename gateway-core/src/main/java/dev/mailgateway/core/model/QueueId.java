package dev.mailgateway.core.model;

import java.util.regex.Pattern;

/**
 * A message's queue id: 16 characters of Crockford base32 (digits and upper-case letters
 * without I, L, O, U). The first 9 encode the accept time in milliseconds, so ids sort by time;
 * the last 7 are a per-process counter seeded at random, so ids are unique across restarts.
 * Safe as a file name; {@link #parse} rejects anything else (no path traversal).
 */
public record QueueId(String value) implements Comparable<QueueId> {

    public static final int LENGTH = 16;
    private static final Pattern FORMAT = Pattern.compile("[0-9A-HJKMNP-TV-Z]{16}");

    public QueueId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("not a queue id: " + value);
        }
    }

    /** True when {@code text} is a well-formed queue id. */
    public static boolean isValid(String text) {
        return text != null && FORMAT.matcher(text).matches();
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
