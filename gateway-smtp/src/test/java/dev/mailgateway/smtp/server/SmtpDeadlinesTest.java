package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.smtp.SmtpMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * limits.dataDeadlineSec on the server's real pipeline ({@link SmtpServerInitializer#init}), on an
 * EmbeddedChannel whose time is frozen and advanced by the test (Netty 4.2's
 * {@code freezeTime}/{@code advanceTimeBy}): the deadline is a task scheduled on the channel's
 * loop, so the test controls it exactly instead of sleeping through it. Expiry is 421 4.4.2
 * (RFC 3463 X.4.2, "bad connection") and close. The command-line deadline, which reads
 * {@code System.nanoTime()}, and the wire-level trickling stay in {@link SmtpSlowClientTest}.
 */
class SmtpDeadlinesTest {

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final CapturingIngress ingress = new CapturingIngress();
    private final EmbeddedChannel ch = new EmbeddedChannel();

    @BeforeEach
    void start() {
        LiveConfig live = new LiveConfig(ConfigLoader.fromJson("""
                {"smtp": {"hostname": "mx.test"},
                 "limits": {"commandDeadlineSec": 1, "dataDeadlineSec": 2, "idleTimeoutSec": 300},
                 "security": {"requireAuth": false}}"""));
        SmtpServerContext context = new SmtpServerContext(live, ingress, metrics, new QueueIdGenerator(), null);
        ch.freezeTime(); // from here the channel's loop only moves when the test advances it
        // the server's own pipeline for this peer (idle timeout, deadlines from the config, codec,
        // handler), then the connection becomes active as an accepted one does
        new SmtpServerInitializer(context, new DefaultChannelGroup("test", GlobalEventExecutor.INSTANCE))
                .init(ch, InetAddress.getLoopbackAddress());
        ch.pipeline().fireChannelActive();
    }

    @AfterEach
    void stop() {
        ch.finishAndReleaseAll();
    }

    private void send(String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
        ch.runPendingTasks();
    }

    private void advanceMs(long ms) {
        ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    /** What the server wrote since the last call. */
    private String replies() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out.toString();
    }

    @Test
    void dataTrickledLineByLineIsClosedAtTheDataDeadline_rfc3463_x_4_2() {
        assertThat(replies()).startsWith("220 mx.test");
        send("HELO client.test\r\n");
        assertThat(replies()).startsWith("250 ");
        send("MAIL FROM:<a@b.c>\r\n");
        assertThat(replies()).startsWith("250");
        send("RCPT TO:<d@e.f>\r\n");
        assertThat(replies()).startsWith("250");
        send("DATA\r\n");
        assertThat(replies()).startsWith("354");

        // whole lines every 200 ms: each line is quick, the transfer is not
        for (int i = 0; i < 9; i++) {
            send("line " + i + "\r\n");
            advanceMs(200);
            assertThat(replies()).as("nothing before the 2 s deadline (%d ms)", (i + 1) * 200).isEmpty();
            assertThat(ch.isOpen()).isTrue();
        }
        send("line 9\r\n");
        advanceMs(200); // 2 s since the 354

        assertThat(replies()).isEqualTo("421 4.4.2 Message data not received in time, closing connection\r\n");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ingress.captured).isEmpty();
        assertThat(new SmtpMetrics(metrics).deadlinesExpired.getCount()).isEqualTo(1);
    }
}
