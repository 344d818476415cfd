package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.SmtpTestClient;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write-side back-pressure: 20 clients pipeline NOOP (RFC 2920) as fast as they can and never
 * read a reply. The server must stop reading each of them once its unsent replies pass the
 * high-water mark, so they cannot keep the event loops busy; a polite client beside them still
 * gets its transactions answered promptly. The bound asserted is generous (one second per
 * transaction: the point is that it does not reach seconds); the measured figures are printed.
 */
class SmtpFloodFairnessTest {

    private static final int FLOODERS = 20;
    private static final int TRANSACTIONS = 20;

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    /** CPU time the server's event loops (test-smtp-io-*) have used so far. */
    private static long ioCpuMillis() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long ns = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("test-smtp-io")) {
                ns += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return ns / 1_000_000;
    }

    private static boolean hasReplies(Socket s) {
        try {
            return s.getInputStream().available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reply octets waiting, unread, in the flooders' receive buffers. */
    private static long unread(List<Socket> flooders) throws IOException {
        long n = 0;
        for (Socket s : flooders) {
            n += s.getInputStream().available();
        }
        return n;
    }

    @Test
    void politeClientStaysFastBesideTwentyNoopFloodersThatNeverRead() throws Exception {
        byte[] block = "NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        List<Socket> flooders = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicLong flooded = new AtomicLong();
        // The build runs tests with paranoid leak detection, which records a stack trace on
        // nearly every buffer access and makes each answered NOOP ~10x dearer. This test is
        // about scheduling, so it measures with the production default (SIMPLE, sampled);
        // leaks are the other tests' business.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        long floodUntil = System.nanoTime() + 20_000_000_000L; // bounded even if something goes wrong
        try {
            for (int i = 0; i < FLOODERS; i++) {
                Socket s = new Socket();
                s.connect(smtp.address, 5000);
                flooders.add(s);
                Thread t = new Thread(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write("EHLO flood.test\r\n".getBytes(StandardCharsets.US_ASCII));
                        while (System.nanoTime() < floodUntil && !s.isClosed()) {
                            out.write(block); // blocks once the server stops reading: that is the point
                            flooded.addAndGet(block.length);
                        }
                    } catch (IOException closed) {
                        // the test closed the socket
                    }
                }, "flooder-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            // The flood is bounded by what fits into the kernel buffers: the server answers until
            // its send buffer (SmtpServer.SEND_BUFFER_BYTES) and each flooder's receive buffer
            // are full, then stops reading them. Wait (bounded) until the event loops go quiet.
            long floodStart = System.nanoTime();
            while (!flooders.stream().allMatch(SmtpFloodFairnessTest::hasReplies)
                    && System.nanoTime() - floodStart < 10_000_000_000L) {
                Thread.sleep(10); // every flooder is being served
            }
            long cpu = ioCpuMillis();
            long quietMs = -1;
            while (System.nanoTime() - floodStart < 15_000_000_000L) {
                Thread.sleep(500);
                long now = ioCpuMillis();
                if (now - cpu < 50) {
                    quietMs = (System.nanoTime() - floodStart) / 1_000_000 - 500;
                    break;
                }
                cpu = now;
            }
            long floodCpuMs = ioCpuMillis();
            assertThat(quietMs).as("ms until the server stopped serving the flooders (-1: never, in 15 s)")
                    .isBetween(0L, 10_000L);
            long[] micros = new long[TRANSACTIONS];
            try (SmtpTestClient c = new SmtpTestClient(smtp.address)) {
                c.expect("220");
                c.line("EHLO polite.test").expect("250");
                for (int i = 0; i < TRANSACTIONS; i++) {
                    long t0 = System.nanoTime();
                    c.line("MAIL FROM:<a@b.c>").expect("250 2.1.0");
                    c.line("RCPT TO:<d@e.f>").expect("250 2.1.5");
                    c.line("DATA").expect("354");
                    c.send("Subject: " + i + "\r\n\r\nhello\r\n.\r\n").expect("250 2.0.0 Ok: queued");
                    micros[i] = (System.nanoTime() - t0) / 1000;
                    Thread.sleep(20);
                }
                c.line("QUIT").expect("221");
            }
            long unread = unread(flooders);
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            System.out.println(String.format("flood fairness: %d flooders wrote %d MiB of NOOP; the event loops "
                    + "served them for %d ms of CPU and were quiet after ~%d ms, %d KiB of replies unread; "
                    + "polite transaction median %.1f ms, max %.1f ms", FLOODERS, flooded.get() >> 20,
                    floodCpuMs, quietMs, unread >> 10, sorted[TRANSACTIONS / 2] / 1000.0,
                    sorted[TRANSACTIONS - 1] / 1000.0));
            assertThat(sorted[TRANSACTIONS - 1]).as("slowest polite transaction (us)").isLessThan(1_000_000);
        } finally {
            ResourceLeakDetector.setLevel(level);
            for (Socket s : flooders) {
                s.close();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }
}
