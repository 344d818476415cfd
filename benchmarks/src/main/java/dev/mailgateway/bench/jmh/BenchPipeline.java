package dev.mailgateway.bench.jmh;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.smtp.server.SmtpProtocolHandlers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The real SMTP server pipeline (decoder then session handler, from
 * {@link SmtpProtocolHandlers}, as {@code SmtpServerInitializer} builds it) on an
 * {@link EmbeddedChannel} with pooled direct buffers and an ingress that accepts at once (no disk:
 * decoding and session work only), after the greeting and EHLO.
 */
final class BenchPipeline {

    /** Accepts every message at once, like a spool that never waits. */
    private static final class InstantIngress implements MessageIngress {
        @Override
        public Admission admission() {
            return Admission.OK;
        }

        @Override
        public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            return CompletableFuture.completedFuture(envelope.id());
        }
    }

    private final EmbeddedChannel channel;

    BenchPipeline() {
        channel = new EmbeddedChannel(SmtpProtocolHandlers.forOneChannel(new LiveConfig(ConfigLoader.fromJson(
                "{\"security\": {\"requireAuth\": false}, \"smtp\": {\"hostname\": \"mx.bench\"},"
                        + " \"limits\": {\"maxMessageSizeBytes\": 67108864}}")),
                new InstantIngress(), new GatewayMetrics(), new QueueIdGenerator()));
        channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        drain();
        feed(direct("EHLO client.bench\r\n"));
    }

    /** Writes the bytes in, lets spool completions run, releases the replies; returns their count. */
    int feed(ByteBuf in) {
        channel.writeInbound(in);
        for (int i = 0; i < 4; i++) {
            channel.runPendingTasks(); // the spool completion hops back to the loop as a task
        }
        return drain();
    }

    private int drain() {
        int n = 0;
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
            n++;
        }
        return n;
    }

    void close() {
        channel.finishAndReleaseAll();
    }

    static ByteBuf direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return PooledByteBufAllocator.DEFAULT.directBuffer(b.length).writeBytes(b);
    }
}
