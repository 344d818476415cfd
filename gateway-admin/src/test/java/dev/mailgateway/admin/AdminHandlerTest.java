package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.testkit.RawHttp;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminHandlerTest {

    private static final String GET_HEALTH = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private AdminTestServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private static JsonNode json(RawHttp.Response r) {
        try {
            return AdminTestServer.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    // --- access control ---

    @Test
    void peerOutsideAdminAllowedNetworksGets403EvenOnLoopback() throws Exception {
        admin = new AdminTestServer("{\"security\": {\"adminAllowedNetworks\": [\"127.0.0.1/32\"]}}", List.of());
        admin.failed.put(admin.failedMessage("a@example.com", List.of("b@example.com"), new byte[0]));

        // the server listens on 127.0.0.1; the peer's address 127.0.0.2 is what is checked
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName("127.0.0.2"))) {
            raw.send("POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(json(r).get("error").asText()).contains("adminAllowedNetworks");
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName("127.0.0.2"))) {
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(403);
        }
        assertThat(admin.failed.requeued).isEmpty();
        assertThat(admin.failed.count()).isEqualTo(1);
        // 127.0.0.1 itself is allowed
        assertThat(admin.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void defaultNetworksAllowAllOfLoopback() throws Exception {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName("127.0.0.2"))) {
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void adminPathsNeedTheBearerTokenWhenOneIsSet() {
        admin = new AdminTestServer("{\"admin\": {\"token\": \"s3cret-token\"}}", List.of());

        HttpResponse<String> none = admin.get("/admin/queue");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(AdminTestServer.json(none).get("error").asText()).contains("Bearer");

        assertThat(withAuth("/admin/queue", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(withAuth("/admin/queue", "Bearer s3cret-toke").statusCode()).isEqualTo(401);
        assertThat(withAuth("/admin/queue", "Basic czNjcmV0LXRva2Vu").statusCode()).isEqualTo(401);
        assertThat(withAuth("/admin/queue", "Bearer s3cret-token").statusCode()).isEqualTo(200);
        assertThat(withAuth("/admin/queue", "bearer s3cret-token").statusCode()).isEqualTo(200);
        // unknown /admin paths are 401 too: nothing about them is told without the token
        assertThat(admin.get("/admin/nothing-here").statusCode()).isEqualTo(401);
        // health and metrics stay open to the allowed networks
        assertThat(admin.get("/health").statusCode()).isEqualTo(200);
        assertThat(admin.get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void retryFailedWithTheTokenRequeues() {
        admin = new AdminTestServer("{\"admin\": {\"token\": \"t\"}}", List.of());
        admin.failed.put(admin.failedMessage("a@example.com", List.of("b@example.com"), new byte[0]));

        assertThat(admin.post("/admin/retry-failed").statusCode()).isEqualTo(401);
        assertThat(admin.failed.requeued).isEmpty();
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(admin.uri("/admin/retry-failed"))
                .header("Authorization", "Bearer t").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(admin.failed.requeued).hasSize(1);
    }

    private HttpResponse<String> withAuth(String path, String authorization) {
        return admin.send(HttpRequest.newBuilder(admin.uri(path)).header("Authorization", authorization).GET());
    }

    // --- routing and errors ---

    @Test
    void unknownPathsAre404WithAJsonError() {
        admin = new AdminTestServer();
        for (String path : List.of("/", "/nope", "/health/", "/metrics/json", "/admin", "/admin/nope",
                "/admin/failed/0000000000000000/x/y")) {
            HttpResponse<String> r = admin.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(AdminTestServer.json(r).get("error").asText()).isNotEmpty();
        }
    }

    @Test
    void badPercentEncodingIs400() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /admin/failed/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(json(r).get("error").asText()).contains("malformed path");
        }
    }

    @Test
    void queryStringIsIgnoredForRouting() {
        admin = new AdminTestServer();
        assertThat(admin.get("/health?verbose=1").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedRequestLineIs400AndTheConnectionCloses() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("THIS IS NOT HTTP AT ALL\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(json(r).get("error").asText()).contains("malformed");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void malformedHeaderIs400() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(400);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void overlongRequestLineIs400() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(400);
        }
    }

    @Test
    void bodyOverTheLimitIs413AndTheEndpointIsNotCalled() {
        admin = new AdminTestServer();
        admin.failed.put(admin.failedMessage("a@example.com", List.of("b@example.com"), new byte[0]));
        try (RawHttp raw = new RawHttp(admin.address)) {
            // the declared length alone is enough: the server answers before the body is sent
            raw.send("POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                    + (AdminInitializer.MAX_BODY_BYTES + 1) + "\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(json(r).get("error").asText()).contains("too large");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(admin.failed.requeued).isEmpty();
    }

    @Test
    void expectContinueOverTheLimitGetsTheJson413InsteadOf100() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 1000000\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(json(r).get("error").asText()).contains("too large");
        }
    }

    @Test
    void expectContinueWithinTheLimitGets100ThenTheAnswer() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 2\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(100);
            raw.send("{}");
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void badIdIs400ButTheConnectionStaysOpen() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /admin/failed/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(400);
            raw.send("GET /admin/failed/../../health HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(400);
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            StringBuilder req = new StringBuilder(
                    "POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(8192);
            for (int i = 0; i < 9; i++) { // 72 KiB in 8 KiB chunks
                req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            raw.send(req.toString());
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(json(r).get("error").asText()).contains("too large");
        }
        assertThat(admin.failed.requeued).isEmpty();
    }

    @Test
    void smallBodyIsAcceptedAndIgnored() {
        admin = new AdminTestServer();
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(admin.uri("/admin/retry-failed"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"x\": 1}")));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    // --- connection handling ---

    @Test
    void keepAliveServesTwoRequestsOnOneConnection() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send(GET_HEALTH);
            RawHttp.Response first = raw.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(json(first).get("status").asText()).isEqualTo("ok");
            raw.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response second = raw.read();
            assertThat(second.status()).isEqualTo(200);
            assertThat(json(second).has("total_emails")).isTrue();
            // an error that leaves the connection in a known state keeps it open too
            raw.send("GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(404);
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        admin = new AdminTestServer();
        CountDownLatch gate = new CountDownLatch(1);
        admin.failed.gate = gate;
        try (RawHttp raw = new RawHttp(admin.address)) {
            // the first answer needs the (held) store; the second is ready at once
            raw.send("GET /admin/failed HTTP/1.1\r\nHost: localhost\r\n\r\n" + GET_HEALTH
                    + "GET /admin/queue HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(admin.failed.entered.await(10, TimeUnit.SECONDS)).isTrue();
            gate.countDown();
            assertThat(json(raw.read()).has("messages")).isTrue();
            assertThat(json(raw.read()).has("status")).isTrue();
            assertThat(json(raw.read()).has("spool_live")).isTrue();
            // and the connection still works afterwards
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void headAnswersLikeGetWithoutABodyAndKeepsTheConnection() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("HEAD /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response head = raw.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(Integer.parseInt(head.header("Content-Length"))).isPositive();
            // had a body been sent, this would read it as the next status line
            raw.send(GET_HEALTH);
            RawHttp.Response get = raw.read();
            assertThat(get.status()).isEqualTo(200);
            assertThat(json(get).get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void anEndpointThatThrowsGives500AndTheConnectionStaysUsable() {
        admin = new AdminTestServer();
        admin.spool.failure = new IllegalStateException("spool exploded");
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send(GET_HEALTH);
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(500);
            assertThat(json(r).get("error").asText()).isEqualTo("internal error: IllegalStateException");
            admin.spool.failure = null;
            raw.send(GET_HEALTH);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void aClientThatLeavesBeforeTheStoreAnswersDoesNotDisturbTheServer() throws Exception {
        admin = new AdminTestServer();
        CountDownLatch gate = new CountDownLatch(1);
        admin.failed.gate = gate;
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("POST /admin/retry-failed HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
            assertThat(admin.failed.entered.await(10, TimeUnit.SECONDS)).isTrue();
        }
        gate.countDown(); // the answer now completes for a closed connection
        admin.failed.gate = null;
        assertThat(admin.get("/admin/failed").statusCode()).isEqualTo(200);
        assertThat(admin.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void http10AndConnectionCloseEndTheConnectionAfterTheAnswer() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /health HTTP/1.0\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void http10KeepAliveIsHonoured() {
        admin = new AdminTestServer();
        try (RawHttp raw = new RawHttp(admin.address)) {
            raw.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("keep-alive");
            raw.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void everyAnswerCarriesContentTypeAndLength() {
        admin = new AdminTestServer();
        for (String path : List.of("/health", "/metrics", "/metrics/prometheus", "/admin/queue",
                "/admin/failed", "/nope")) {
            HttpResponse<String> r = admin.get(path);
            assertThat(r.headers().firstValue("Content-Type")).as(path).isPresent();
            assertThat(r.headers().firstValueAsLong("Content-Length")).as(path)
                    .hasValue(r.body().getBytes(StandardCharsets.UTF_8).length);
        }
        HttpResponse<String> head = admin.send(HttpRequest.newBuilder(URI.create(admin.uri("/health").toString()))
                .method("PUT", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(head.headers().firstValue("Content-Type")).isPresent();
    }
}
