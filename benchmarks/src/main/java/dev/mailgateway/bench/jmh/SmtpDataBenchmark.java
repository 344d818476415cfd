package dev.mailgateway.bench.jmh;

import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * DATA decoding through the real SMTP pipeline ({@link BenchPipeline}): one pipelined MAIL,
 * RCPT, DATA, body and final dot per invocation, 4 KiB and 1 MiB bodies, with and without
 * dot-stuffing (every body line starting with a dot). The score is transactions per second;
 * {@code bodyBytes} is body octets per second (divide by 10^6 for MB/s).
 */
@State(Scope.Thread)
public class SmtpDataBenchmark extends BenchmarkBase {

    @Param({"4096", "1048576"})
    public int size;

    @Param({"false", "true"})
    public boolean dotStuffed;

    private BenchPipeline pipeline;
    private ByteBuf transaction;
    private int bodyLength;

    /** Body octets per second, summed by JMH. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bodyBytes;

        @Setup(Level.Iteration)
        public void reset() {
            bodyBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        pipeline = new BenchPipeline();
        StringBuilder body = new StringBuilder(size + 128);
        body.append("Subject: bench\r\n\r\n");
        String line = (dotStuffed ? ".." : "") + "x".repeat(76 - (dotStuffed ? 2 : 0)) + "\r\n";
        while (body.length() + line.length() <= size) {
            body.append(line);
        }
        bodyLength = body.length();
        transaction = BenchPipeline.direct("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
                + "DATA\r\n" + body + ".\r\n");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        transaction.release();
        pipeline.close();
    }

    @Benchmark
    public int transaction(Bytes bytes) {
        int replies = pipeline.feed(transaction.retainedDuplicate());
        bytes.bodyBytes += bodyLength;
        return replies;
    }
}
