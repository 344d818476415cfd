package dev.mailgateway.bench.jmh;

import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Command decoding through the real SMTP pipeline ({@link BenchPipeline}): 100 pipelined
 * MAIL/RCPT/RSET triples per invocation in one pooled direct buffer; the score is commands per
 * second (decode, parse, session state, reply).
 */
@State(Scope.Thread)
public class SmtpCommandBenchmark extends BenchmarkBase {

    private static final int TRIPLES = 100;

    private BenchPipeline pipeline;
    private ByteBuf commands;

    @Setup(Level.Trial)
    public void setUp() {
        pipeline = new BenchPipeline();
        commands = BenchPipeline.direct(
                "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRSET\r\n".repeat(TRIPLES));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        commands.release();
        pipeline.close();
    }

    @Benchmark
    @OperationsPerInvocation(3 * TRIPLES)
    public int commands() {
        return pipeline.feed(commands.retainedDuplicate());
    }
}
