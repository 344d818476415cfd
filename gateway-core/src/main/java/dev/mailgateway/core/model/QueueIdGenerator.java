package dev.mailgateway.core.model;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** Makes {@link QueueId}s; thread-safe and lock-free. One instance per gateway. */
public final class QueueIdGenerator {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final long COUNTER_MASK = (1L << 35) - 1; // 7 base32 digits

    private final Clock clock;
    private final AtomicLong counter;

    public QueueIdGenerator() {
        this(Clock.systemUTC());
    }

    public QueueIdGenerator(Clock clock) {
        this.clock = clock;
        this.counter = new AtomicLong(new SecureRandom().nextLong() & COUNTER_MASK);
    }

    public QueueId next() {
        long millis = clock.millis();
        long seq = counter.getAndIncrement() & COUNTER_MASK;
        char[] out = new char[QueueId.LENGTH];
        encode(millis, out, 0, 9);
        encode(seq, out, 9, 7);
        return new QueueId(new String(out));
    }

    private static void encode(long value, char[] out, int offset, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[offset + i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
    }
}
