package dev.mailgateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.testkit.InMemorySpool;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A running {@link AdminServer} on 127.0.0.1:0 with in-memory collaborators, and an
 * {@link HttpClient} pointed at it. Tests drive the metrics and doubles as the SMTP, spool and
 * relay modules would, then read the endpoints.
 */
final class AdminTestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A fixed clock, so timestamps and ages are exact. */
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00.250Z");

    final GatewayMetrics metrics = new GatewayMetrics();
    final InMemorySpool spool = new InMemorySpool();
    final InMemoryFailedStore failed = new InMemoryFailedStore();
    final Dispatcher dispatcher = new Dispatcher(2, 10);
    /** Problems the test health check reports; empty = healthy. */
    final List<String> problems = new CopyOnWriteArrayList<>();
    final QueueIdGenerator ids = new QueueIdGenerator();
    final EventLoopGroup group = NettyTransport.detect().newGroup(1, "admin-io-test");
    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    final AdminServer server;
    final InetSocketAddress address;

    /** Default config (loopback only, no token) on port 0. */
    AdminTestServer() {
        this("{}", List.of());
    }

    /**
     * @param configJson   a partial config; healthCheckPort and adminHost are forced to 127.0.0.1:0
     * @param extraChecks  health checks besides the one reporting {@link #problems}
     */
    AdminTestServer(String configJson, List<HealthCheck> extraChecks) {
        this(configJson, extraChecks, null);
    }

    /** As above; {@code reload} backs POST /admin/reload. */
    AdminTestServer(String configJson, List<HealthCheck> extraChecks,
            dev.mailgateway.core.config.ConfigReload reload) {
        GatewayConfig config = ConfigLoader.fromJson(merge(configJson));
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(() -> List.copyOf(problems));
        checks.addAll(extraChecks);
        server = new AdminServer(config, metrics, spool, dispatcher, failed, failed::retryAll, checks,
                NettyTransport.detect(), group, Clock.fixed(NOW, ZoneOffset.UTC), reload);
        address = server.start();
    }

    private static String merge(String json) {
        String body = json.trim();
        body = body.substring(1, body.length() - 1).trim();
        return "{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": 0"
                + (body.isEmpty() ? "" : ", " + body) + "}";
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + address.getPort() + path);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<String> post(String path) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    HttpResponse<String> delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    /** A spooled message as the spool would hold it, received {@code ageSeconds} before {@link #NOW}. */
    SpooledMessage spooled(String from, List<String> recipients, long ageSeconds, int attempts,
            List<String> pending) {
        Envelope e = new Envelope(ids.next(), from, recipients, NOW.minusSeconds(ageSeconds),
                "client.example", "127.0.0.1", "", false, false);
        return new SpooledMessage(e, pending, attempts);
    }

    /** A failed message as the relay would store it. */
    FailedMessage failedMessage(String from, List<String> to, byte[] content) {
        QueueId id = ids.next();
        return new FailedMessage(id, from, to, NOW.minusSeconds(600), 5, NOW.minusSeconds(10),
                "550 5.1.1 No such user", content, false, false);
    }

    @Override
    public void close() {
        server.close();
        failed.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
