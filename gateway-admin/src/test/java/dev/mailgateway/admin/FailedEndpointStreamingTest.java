package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FileFailedStore;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.testkit.InMemorySpool;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /admin/failed/{id}} of a multi-MB message answers from the failed store's file (#11):
 * the content's JSON string goes out from the file, not through the heap, and the answer is the
 * same document a small message gets.
 */
class FailedEndpointStreamingTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final EventLoopGroup group = NettyTransport.nio().newGroup(1, "admin-stream-test");
    private FileFailedStore store;
    private AdminServer server;
    private int port;

    @BeforeEach
    void start() {
        store = new FileFailedStore(dir.resolve("failed"), new MessageIngress() {
            @Override
            public Admission admission() {
                return Admission.OK;
            }

            @Override
            public CompletableFuture<QueueId> accept(Envelope e, byte[] c) {
                return CompletableFuture.failedFuture(new IllegalStateException("not in this test"));
            }
        }, new GatewayMetrics());
        server = new AdminServer(ConfigLoader.fromJson("{\"adminHost\": \"127.0.0.1\", \"healthCheckPort\": 0}"),
                new GatewayMetrics(), new InMemorySpool(), new Dispatcher(1, 1), store,
                () -> CompletableFuture.completedFuture(0), List.of(), NettyTransport.nio(), group);
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private QueueId stored(byte[] content) throws Exception {
        QueueId id = ids.next();
        store.store(new FailedMessage(id, "app@example.com", List.of("a@example.com"),
                Instant.parse("2026-11-30T10:00:00Z"), 5, Instant.parse("2026-11-30T10:30:00Z"),
                "550 5.1.1 \"no\" such user", content, true, false)).get(30, TimeUnit.SECONDS);
        assertThat(Files.size(dir.resolve("failed").resolve(id + ".json"))).isGreaterThan(256 * 1024);
        return id;
    }

    private HttpResponse<byte[]> get(String path, String method) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertFields(JsonNode m, QueueId id) {
        assertThat(m.get("id").asText()).isEqualTo(id.value());
        assertThat(m.get("from").asText()).isEqualTo("app@example.com");
        assertThat(m.get("to").get(0).asText()).isEqualTo("a@example.com");
        assertThat(m.get("attempts").asInt()).isEqualTo(5);
        assertThat(m.get("lastError").asText()).isEqualTo("550 5.1.1 \"no\" such user");
        assertThat(m.get("smtpUtf8").asBoolean()).isTrue();
        assertThat(m.get("eightBit").asBoolean()).isFalse();
    }

    @Test
    void aMultiMegabyteTextMessageComesFromTheFileByteExact() throws Exception {
        StringBuilder sb = new StringBuilder("Subject: gr\u00fc\u00dfe \"q\"\r\n\r\n");
        Random r = new Random(5);
        String[] pieces = {"line of text ", "tab\t", "\u00e9\u20ac\ud83d\udce7 ", "\"quote\" ", "back\\slash ", "\r\n"};
        while (sb.length() < 3_000_000) {
            sb.append(pieces[r.nextInt(pieces.length)]);
        }
        String text = sb.toString();
        QueueId id = stored(text.getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> res = get("/admin/failed/" + id, "GET");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValue(AdminResponse.JSON);
        assertThat(res.headers().firstValueAsLong("content-length")).hasValue(res.body().length);
        JsonNode m = AdminResponse.MAPPER.readTree(res.body());
        assertFields(m, id);
        assertThat(m.get("content").asText()).isEqualTo(text);
        assertThat(m.has("contentBase64")).isFalse();
    }

    @Test
    void aMultiMegabyteBinaryMessageComesFromTheFileAsBase64() throws Exception {
        byte[] content = new byte[2_000_000];
        new Random(9).nextBytes(content);
        QueueId id = stored(content);

        HttpResponse<byte[]> res = get("/admin/failed/" + id, "GET");

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode m = AdminResponse.MAPPER.readTree(res.body());
        assertFields(m, id);
        assertThat(Base64.getDecoder().decode(m.get("contentBase64").asText())).isEqualTo(content);
        assertThat(m.has("content")).isFalse();
    }

    @Test
    void headGetsTheHeadersOnlyAndTheConnectionStaysUsable() throws Exception {
        byte[] content = new byte[1_000_000];
        new Random(1).nextBytes(content);
        QueueId id = stored(content);
        long length = get("/admin/failed/" + id, "GET").body().length;

        HttpResponse<byte[]> head = get("/admin/failed/" + id, "HEAD");

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValueAsLong("content-length")).hasValue(length);
        assertThat(get("/admin/failed/" + ids.next(), "GET").statusCode()).isEqualTo(404);
    }
}
