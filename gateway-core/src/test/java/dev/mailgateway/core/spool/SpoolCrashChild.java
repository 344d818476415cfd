package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static dev.mailgateway.core.spool.SpoolTestSupport.envelope;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child side of {@link SpoolCrashTest}: appends messages through a {@link FileSpool} with
 * fsync on, from several threads, and prints {@code ACK <id>} the moment each append is
 * acknowledged (what the SMTP server would answer 250 for), and from one more thread streams
 * 1-16 MB messages in 64 KiB chunks (recipient big@example.com). It never closes the spool: it is
 * meant to be killed.
 *
 * <p>Arguments: spool directory, max messages, threads.
 */
public final class SpoolCrashChild {

    private SpoolCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int max = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        FileSpool spool = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics());
        spool.recover();
        QueueIdGenerator ids = new QueueIdGenerator();
        AtomicInteger left = new AtomicInteger(max);
        // one more thread streams 1-16 MB messages the way SMTP DATA does (64 KiB chunks)
        Thread big = new Thread(() -> {
            for (int i = 0; i < 1000; i++) { // bounded; the kill comes long before
                QueueId id = ids.next();
                byte[] c = SpoolTestSupport.bigContent(id);
                SpoolUpload u = spool.begin();
                for (int off = 0; off < c.length; off += 65536) {
                    int n = Math.min(65536, c.length - off);
                    u.write(io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(c, off, n));
                }
                u.commit(envelope(id, "big@example.com")).join();
                synchronized (out) {
                    out.println("ACK " + id);
                    out.println("BIG " + id);
                }
            }
        }, "crash-writer-big");
        big.start();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                while (left.getAndDecrement() > 0) {
                    QueueId id = ids.next();
                    spool.append(envelope(id, "r@example.com"), content(id)).join();
                    synchronized (out) {
                        out.println("ACK " + id);
                    }
                }
            }, "crash-writer-" + t);
            w.start();
        }
        out.println("STARTED");
        TimeUnit.SECONDS.sleep(120); // bounded: wait to be killed
        System.exit(3);
    }
}
