package dev.mailgateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.testkit.SmtpSink;
import dev.mailgateway.testkit.SmtpSinkExtension;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A throughput run, not a pass/fail speed test: 4 KiB, 1-recipient messages through pooled,
 * pipelined connections to an in-process sink. Prints msgs/s and CPU per message (relay, sink
 * and the in-memory spool together). Run with {@code -Drelay.perf=true}.
 */
@EnabledIfSystemProperty(named = "relay.perf", matches = "true")
class RelayThroughputTest {

    @RegisterExtension
    final SmtpSinkExtension sinks = new SmtpSinkExtension();

    @Test
    void relaysManySmallMessages() throws Exception {
        int n = Integer.getInteger("relay.perf.messages", 50_000);
        // the build runs tests with paranoid leak detection, which records a stack trace per buffer access
        io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        // production log level: the outcome line at INFO, no DEBUG batch lines
        ch.qos.logback.classic.Logger gw = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.mailgateway");
        ch.qos.logback.classic.Level logLevel = gw.getLevel();
        gw.setLevel(Boolean.getBoolean("relay.perf.quiet") ? ch.qos.logback.classic.Level.WARN : ch.qos.logback.classic.Level.INFO);
        try {
            run(n);
        } finally {
            io.netty.util.ResourceLeakDetector.setLevel(level);
            gw.setLevel(logLevel);
        }
    }

    /** CPU time of the relay's event loop threads (the harness names them relay-test-*). */
    private static long relayLoopCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("relay-test")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private void run(int n) throws Exception {
        SmtpSink sink = sinks.start();
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(RelayHarness.provider(sink.port(), 0));
        s.workers = 2;
        s.relay = new RelayConfig(2_000, 5, 5, 5, 8, 60, 1);
        s.logAllEmails = true;
        try (RelayHarness h = new RelayHarness(s)) {
            String body = "x".repeat(76) + "\r\n";
            byte[] content = RelayHarness.message("Perf", body.repeat(4096 / body.length()))
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            // warm-up
            for (int i = 0; i < 5_000; i++) {
                h.send("app@example.com", List.of("r@example.org"), content, false);
            }
            RelayHarness.await(() -> sink.messages.get() >= 5_000, Duration.ofSeconds(60), () -> "warm-up");
            String jfr = System.getProperty("relay.perf.jfr"); // optional: a JFR profile of the measured part
            jdk.jfr.Recording recording = null;
            if (jfr != null) {
                recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                recording.start();
            }
            long cpu0 = os.getProcessCpuTime();
            long relayCpu0 = relayLoopCpu();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                h.send("app@example.com", List.of("r@example.org"), content, false);
            }
            RelayHarness.await(() -> sink.messages.get() >= 5_000L + n, Duration.ofSeconds(120), () -> "all delivered");
            long wall = System.nanoTime() - t0;
            long cpu = os.getProcessCpuTime() - cpu0;
            long relayCpu = relayLoopCpu() - relayCpu0;
            if (recording != null) {
                recording.dump(java.nio.file.Path.of(jfr));
                recording.close();
            }
            System.out.printf("relay throughput: %d msgs in %.2f s = %.0f msgs/s, CPU %.3f ms/msg "
                            + "(whole JVM: relay+sink+spool double+producer), relay loops %.3f ms/msg%n",
                    n, wall / 1e9, n / (wall / 1e9), cpu / 1e6 / n, relayCpu / 1e6 / n);
            assertThat(sink.messages.get()).isGreaterThanOrEqualTo(5_000L + n);
        }
    }
}
