package dev.mailgateway.bench.jmh;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.FileSpool;
import dev.mailgateway.core.spool.SpoolMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Spool append, fsync on and off, with 1, 8 and 64 concurrent writers. Each writer thread
 * behaves like one SMTP connection at the final dot: append a 4 KiB message and wait until the
 * spool says it is durable. Throughput is messages/s over all writers. At the end of each
 * trial a {@code SPOOL ...} line gives fsyncs per message ({@code spoolFsyncs / spoolAppends}):
 * with group commit it must fall well below 1 as writers are added.
 *
 * <p>The spool lives under {@code java.io.tmpdir} (or {@code -Dbench.spoolDir}) and is deleted
 * after the trial.
 */
@State(Scope.Benchmark)
public class SpoolAppendBenchmark extends BenchmarkBase {

    @Param({"true", "false"})
    public boolean fsync;

    @Param({"4096"})
    public int size;

    private Path dir;
    private FileSpool spool;
    private GatewayMetrics metrics;
    private final QueueIdGenerator ids = new QueueIdGenerator();
    private byte[] content;
    private final List<String> rcpts = List.of("b@example.com");

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path base = Path.of(System.getProperty("bench.spoolDir", System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(base, "spool-bench");
        metrics = new GatewayMetrics();
        spool = new FileSpool(dir.resolve("spool"), new SpoolConfig(fsync, 0), metrics);
        spool.recover();
        content = new byte[size];
        Arrays.fill(content, (byte) 'x');
    }

    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) throws IOException {
        long appends = new SpoolMetrics(metrics).spoolAppends.getCount();
        long fsyncs = new SpoolMetrics(metrics).spoolFsyncs.getCount();
        System.out.println(String.format(Locale.ROOT,
                "SPOOL benchmark=%s threads=%d fsync=%b appends=%d fsyncs=%d fsyncs_per_message=%.4f",
                params.getBenchmark().replaceAll(".*\\.", ""), params.getThreads(), fsync, appends, fsyncs, appends == 0 ? 0.0 : (double) fsyncs / appends));
        spool.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Object appendOne() {
        Envelope env = new Envelope(ids.next(), "a@example.com", rcpts, Instant.now(),
                "bench", "127.0.0.1", "", false, false);
        return spool.append(env, content).join();
    }

    @Benchmark
    @Threads(1)
    public Object writers01() {
        return appendOne();
    }

    @Benchmark
    @Threads(8)
    public Object writers08() {
        return appendOne();
    }

    @Benchmark
    @Threads(64)
    public Object writers64() {
        return appendOne();
    }
}
