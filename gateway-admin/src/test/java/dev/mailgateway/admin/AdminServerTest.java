package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.testkit.InMemorySpool;
import dev.mailgateway.testkit.RawHttp;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {

    private final EventLoopGroup group = NettyTransport.detect().newGroup(1, "admin-io-test");
    private final InMemoryFailedStore failed = new InMemoryFailedStore();

    @AfterEach
    void stop() {
        failed.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private AdminServer server(String json) {
        return new AdminServer(ConfigLoader.fromJson(json), new GatewayMetrics(), new InMemorySpool(),
                new Dispatcher(1, 1), failed, failed::retryAll, List.of(), NettyTransport.detect(), group);
    }

    @Test
    void startBindsAdminHostAndAFreePortAndReturnsIt() {
        AdminServer server = server("{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": 0}");
        try {
            InetSocketAddress bound = server.start();
            assertThat(bound.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(bound.getPort()).isPositive();
            try (RawHttp raw = new RawHttp(bound)) {
                raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.read().status()).isEqualTo(200);
            }
        } finally {
            server.close();
        }
    }

    @Test
    void closeStopsListeningAndEndsOpenConnections() throws Exception {
        AdminServer server = server("{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": 0}");
        InetSocketAddress bound = server.start();
        try (RawHttp raw = new RawHttp(bound)) {
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);

            server.close();

            assertThat(raw.closedByServer()).isTrue(); // the keep-alive connection was closed
        }
        assertThatThrownBy(() -> new Socket(bound.getAddress(), bound.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aTakenPortFailsWithTheConfigKeysInTheMessage() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AdminServer server = server("{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": "
                    + taken.getLocalPort() + "}");
            assertThatThrownBy(server::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("healthCheckPort")
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
            server.close();
        }
    }

    @Test
    void startTwiceIsAnError() {
        AdminServer server = server("{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": 0}");
        try {
            server.start();
            assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
        } finally {
            server.close();
        }
    }
}
