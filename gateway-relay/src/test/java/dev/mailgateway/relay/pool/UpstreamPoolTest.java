package dev.mailgateway.relay.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.relay.RelayHarness;
import dev.mailgateway.testkit.ScriptedUpstream;
import dev.mailgateway.relay.client.UpstreamConnection;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.client.UpstreamTls;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-loop pool against a real (scripted) upstream. */
class UpstreamPoolTest {

    private ScriptedUpstream up;
    private EventLoopGroup group;
    private EventLoop loop;
    private UpstreamPool pool;

    @BeforeEach
    void setUp() throws Exception {
        up = new ScriptedUpstream();
        NettyTransport transport = NettyTransport.nio();
        group = transport.newGroup(1, "pool-test");
        loop = group.next();
        ProviderConfig provider = RelayHarness.provider(up.port(), 0);
        RelayConfig rc = new RelayConfig(2_000, 5, 5, 5, 2, 1, 1);
        pool = new UpstreamPool(provider, loop, new UpstreamConnector(transport, UpstreamTls.system(), "relay.test"),
                () -> rc);
    }

    @AfterEach
    void tearDown() throws Exception {
        onLoop(() -> {
            pool.close();
            return null;
        });
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        up.close();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private UpstreamConnection acquire() throws Exception {
        Future<UpstreamConnection> f = onLoop(pool::acquire);
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void reusesMostRecentlyReleasedConnection() throws Exception {
        UpstreamConnection a = acquire();
        UpstreamConnection b = acquire();
        onLoop(() -> {
            pool.release(a);
            pool.release(b);
            return null;
        });
        assertThat(acquire()).isSameAs(b);
        assertThat(up.connections.get()).isEqualTo(2);
    }

    @Test
    void atTheCapAnAcquirerWaitsForTheNextRelease() throws Exception {
        UpstreamConnection a = acquire();
        acquire();
        Future<UpstreamConnection> third = onLoop(pool::acquire);
        assertThat(third.isDone()).isFalse();
        assertThat(pool.openCount()).isEqualTo(2);

        onLoop(() -> {
            pool.release(a);
            return null;
        });
        assertThat(third.get(5, TimeUnit.SECONDS)).isSameAs(a);
        assertThat(up.connections.get()).as("poolMaxPerUpstream 2").isEqualTo(2);
    }

    @Test
    void connectionClosedWhileIdleIsReplacedOnAcquire() throws Exception {
        UpstreamConnection a = acquire();
        onLoop(() -> {
            pool.release(a);
            return null;
        });
        a.channel().close().syncUninterruptibly();
        UpstreamConnection b = acquire();
        assertThat(b).isNotSameAs(a);
        assertThat(b.isActive()).isTrue();
        RelayHarness.await(() -> pool.openCount() == 1, Duration.ofSeconds(5), () -> "open count back to 1");
    }

    @Test
    void idleConnectionsAreQuitAfterTheIdleTimeout() throws Exception {
        UpstreamConnection a = acquire();
        onLoop(() -> {
            a.markIdle(System.nanoTime());
            pool.release(a);
            pool.evictIdle();
            return null;
        });
        assertThat(pool.idleCount()).as("not idle long enough yet").isEqualTo(1);
        RelayHarness.await(() -> {
            try {
                onLoop(() -> {
                    pool.evictIdle();
                    return null;
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return pool.idleCount() == 0;
        }, Duration.ofSeconds(5), () -> "eviction after poolIdleTimeoutSec 1");
        RelayHarness.await(() -> up.commands.contains("QUIT"), Duration.ofSeconds(5), () -> "QUIT sent");
        RelayHarness.await(() -> pool.openCount() == 0, Duration.ofSeconds(5), () -> "closed");
    }
}
