package dev.mailgateway.bench.jmh;

import dev.mailgateway.core.config.RateLimitsConfig;
import dev.mailgateway.smtp.ratelimit.RateLimiter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-sender rate limiter with 2^20 (about a million) distinct senders already tracked:
 * ns per {@code reserve + release} (MAIL FROM, then a transaction that ends without a 250) and
 * per {@code reserve + commit} (MAIL FROM then the 250), the SMTP server's entry points, cycling over all senders so the cache is cold-ish. The heap the senders hold is
 * measured once at setup (used heap after full GCs, before and after populating) and printed as
 * a {@code RATELIMIT ...} line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RateLimitBenchmark extends BenchmarkBase {

    private static final int SENDERS = 1 << 20;

    private RateLimiter limiter;
    private String[] senders;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        // limits high enough that nothing is refused: we measure the bookkeeping, not refusals
        RateLimitsConfig config = new RateLimitsConfig(true, 1_000_000, 10_000_000,
                Integer.MAX_VALUE, Integer.MAX_VALUE);
        senders = new String[SENDERS];
        for (int i = 0; i < SENDERS; i++) {
            senders[i] = "sender" + i + "@example.com";
        }
        long before = usedHeapAfterGc();
        limiter = new RateLimiter(() -> config, System::currentTimeMillis, 2L * SENDERS);
        for (String s : senders) {
            limiter.record(s);
        }
        long after = usedHeapAfterGc();
        System.out.println(String.format(Locale.ROOT,
                "RATELIMIT senders=%d heap_held_mb=%.1f bytes_per_sender=%.0f",
                SENDERS, (after - before) / 1048576.0, (after - before) / (double) SENDERS));
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private String nextSender() {
        String s = senders[next];
        next = (next + 1) & (SENDERS - 1);
        return s;
    }

    @Benchmark
    public RateLimiter.Verdict reserveRelease() {
        RateLimiter.Reservation r = limiter.reserve(nextSender());
        r.release();
        return r.verdict();
    }

    @Benchmark
    public boolean reserveCommit() {
        RateLimiter.Reservation r = limiter.reserve(nextSender());
        r.commit();
        return r.allowed();
    }
}
