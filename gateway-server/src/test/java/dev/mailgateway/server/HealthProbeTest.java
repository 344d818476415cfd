package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The healthcheck sub-command against a scripted /health endpoint on 127.0.0.1. */
class HealthProbeTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    private static GatewayConfig config(String adminHost, int port) {
        return ConfigLoader.fromJson("{\"adminHost\": \"" + adminHost + "\", \"healthCheckPort\": " + port + "}");
    }

    private int probe(GatewayConfig c, Duration timeout) {
        return HealthProbe.run(c, timeout, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void okStatusExitsZero() throws Exception {
        int port = serve(200, "{\"status\": \"ok\", \"details\": {\"queued_emails\": 0}}");
        assertThat(probe(config("127.0.0.1", port), Duration.ofSeconds(5))).isZero();
        assertThat(err()).isEmpty();
    }

    @Test
    void wildcardAdminHostIsProbedOnLoopback() throws Exception {
        int port = serve(200, "{\"status\": \"ok\"}");
        assertThat(HealthProbe.healthUri(config("0.0.0.0", port)).getHost()).isEqualTo("127.0.0.1");
        assertThat(probe(config("0.0.0.0", port), Duration.ofSeconds(5))).isZero();
    }

    @Test
    void ipv6HostsAreBracketed() {
        assertThat(HealthProbe.healthUri(config("::", 8025)).toString()).isEqualTo("http://[::1]:8025/health");
        assertThat(HealthProbe.healthUri(config("::1", 8025)).toString()).isEqualTo("http://[::1]:8025/health");
    }

    @Test
    void degradedExitsOneWithTheProblems() throws Exception {
        // the admin API's shape: details.problems
        int port = serve(503, "{\"status\": \"degraded\", \"details\": {\"problems\": "
                + "[\"free disk 80 MB is under spool.minFreeDiskMb 100\", \"all providers down\"]}}");
        assertThat(probe(config("127.0.0.1", port), Duration.ofSeconds(5))).isEqualTo(1);
        assertThat(err()).contains("degraded").contains("HTTP 503")
                .contains("free disk 80 MB").contains("all providers down");
    }

    @Test
    void nonJsonAnswerExitsOne() throws Exception {
        int port = serve(200, "<html>hello</html>");
        assertThat(probe(config("127.0.0.1", port), Duration.ofSeconds(5))).isEqualTo(1);
        assertThat(err()).contains("<html>hello</html>");
    }

    @Test
    void connectionRefusedExitsOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(probe(config("127.0.0.1", port), Duration.ofSeconds(5))).isEqualTo(1);
        assertThat(err()).contains("connection refused");
    }

    @Test
    void silentServerTimesOutAndExitsOne() throws Exception {
        // accepts the connection, never answers
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CountDownLatch done = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try (Socket c = s.accept()) {
                    done.await(10, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // test over
                }
            });
            t.start();
            try {
                assertThat(probe(config("127.0.0.1", s.getLocalPort()), Duration.ofMillis(300))).isEqualTo(1);
                assertThat(err()).contains("no answer").contains("300 ms");
            } finally {
                done.countDown();
                t.join(5000);
            }
        }
    }

    @Test
    void disabledHealthCheckExitsOne() {
        GatewayConfig c = ConfigLoader.fromJson("{\"enableHealthCheck\": false}");
        assertThat(probe(c, Duration.ofSeconds(1))).isEqualTo(1);
        assertThat(err()).contains("enableHealthCheck is false");
    }
}
