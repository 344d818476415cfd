package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.testkit.ScriptedUpstream;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One upstream connection over a real loopback socket to the scripted upstream: command groups
 * and their replies (RFC 5321 4.2), one group at a time, timeouts, the peer closing, QUIT.
 */
class UpstreamConnectionTest {

    private static final RelayConfig RC = new RelayConfig(2000, 5, 5, 5, 2, 60, 1);

    private ScriptedUpstream upstream;
    private EventLoopGroup group;
    private EventLoop loop;
    private UpstreamConnection conn;

    @BeforeEach
    void connect() throws Exception {
        upstream = new ScriptedUpstream();
        group = NettyTransport.nio().newGroup(1, "conn-test");
        loop = group.next();
        UpstreamConnector connector = new UpstreamConnector(NettyTransport.nio(), (UpstreamTls) null, "relay.test");
        conn = await(connector.connect(new ProviderConfig("127.0.0.1", upstream.port(), "", "", false, 0,
                false), RC, loop));
    }

    @AfterEach
    void stop() throws Exception {
        if (conn != null) {
            onLoop(() -> {
                conn.close();
                return null;
            });
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        upstream.close();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static UpstreamException failure(Future<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpstreamException.class);
            return (UpstreamException) e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void theHandshakeLeavesAnActiveConnectionWithTheUpstreamsCapabilities() throws Exception {
        assertThat(conn.isActive()).isTrue();
        assertThat(conn.capabilities().pipelining()).isTrue();
        assertThat(upstream.commands).first().asString().startsWith("EHLO relay.test");
    }

    @Test
    void rfc5321_4_2_aCommandGetsItsOneReply() throws Exception {
        List<SmtpResponse> replies = await(onLoop(() -> conn.command("NOOP", 2000)));
        assertThat(replies).singleElement().satisfies(r -> assertThat(r.code()).isEqualTo(250));
        assertThat(upstream.commands).last().isEqualTo("NOOP");
    }

    @Test
    void rfc2920_aPipelinedGroupCompletesWhenAllItsRepliesHaveArrived() throws Exception {
        List<SmtpResponse> replies = await(onLoop(() -> {
            var out = conn.buffer(64);
            UpstreamConnection.appendLine(out, "RSET");
            UpstreamConnection.appendLine(out, "NOOP");
            UpstreamConnection.appendLine(out, "BOGUS");
            return conn.send(out, 3, 2000);
        }));
        assertThat(replies).extracting(SmtpResponse::code).containsExactly(250, 250, 502);
    }

    @Test
    void aSecondGroupWhileOneIsPendingIsRefusedAndTheFirstStillCompletes() throws Exception {
        Future<List<SmtpResponse>>[] both = onLoop(() -> {
            @SuppressWarnings("unchecked")
            Future<List<SmtpResponse>>[] f = new Future[] {conn.command("NOOP", 2000), conn.command("RSET", 2000)};
            return f;
        });
        assertThat(await(both[0])).singleElement().satisfies(r -> assertThat(r.code()).isEqualTo(250));
        try {
            both[1].get(10, TimeUnit.SECONDS);
            throw new AssertionError("the second group must fail");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("already pending");
        }
        assertThat(conn.isActive()).isTrue();
    }

    @Test
    void noReplyInTimeFailsWithTimeoutAndClosesTheConnection() throws Exception {
        // wait for a reply the upstream never sends (nothing was asked)
        UpstreamException e = failure(onLoop(() -> conn.send(null, 1, 200)));
        assertThat(e.kind()).isEqualTo(UpstreamException.Kind.TIMEOUT);
        assertThat(e.getMessage()).contains("timed out after 200 ms");
        conn.channel().closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(conn.isActive()).isFalse();
    }

    @Test
    void thePeerClosingFailsThePendingGroupWithClosed() throws Exception {
        Future<List<SmtpResponse>> pending = onLoop(() -> conn.send(null, 1, 5000));
        upstream.close(); // the scripted upstream goes away with the connection open
        UpstreamException e = failure(pending);
        assertThat(e.kind()).isEqualTo(UpstreamException.Kind.CLOSED);
        assertThat(e.getMessage()).contains("127.0.0.1:" + upstream.port());
        // and a command on the closed connection fails at once, nothing written
        assertThat(failure(onLoop(() -> conn.command("NOOP", 2000))).kind()).isEqualTo(UpstreamException.Kind.CLOSED);
    }

    @Test
    void rfc5321_4_1_1_10_quitSendsQuitAndCloses() throws Exception {
        onLoop(() -> {
            conn.quit();
            return null;
        });
        conn.channel().closeFuture().get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!upstream.commands.contains("QUIT") && System.nanoTime() < deadline) {
            Thread.sleep(10); // the upstream's reader thread records it
        }
        assertThat(upstream.commands).contains("QUIT");
    }
}
