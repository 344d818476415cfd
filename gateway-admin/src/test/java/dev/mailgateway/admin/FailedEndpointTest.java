package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.model.FailedMessage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FailedEndpointTest {

    private static final String UNKNOWN_ID = "0000000000000000";

    private AdminTestServer admin;
    private FailedMessage first;
    private FailedMessage second;

    @BeforeEach
    void start() {
        admin = new AdminTestServer();
        first = admin.failedMessage("app@example.com", List.of("nobody@example.org"),
                "Subject: hi\r\n\r\nh\u00e9llo\r\n".getBytes(StandardCharsets.UTF_8));
        second = admin.failedMessage("", List.of("a@example.net", "b@example.net"),
                new byte[] {'S', ':', ' ', (byte) 0xFF, (byte) 0xFE, '\r', '\n'});
        admin.failed.put(first);
        admin.failed.put(second);
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void listsEveryFailedMessageWithoutContent() {
        HttpResponse<String> r = admin.get("/admin/failed");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = AdminTestServer.json(r);
        assertThat(body.get("count").asInt()).isEqualTo(2);
        JsonNode m = body.get("messages").get(0);
        assertThat(m.get("id").asText()).isEqualTo(first.id().value());
        assertThat(m.get("from").asText()).isEqualTo("app@example.com");
        assertThat(m.get("to")).extracting(JsonNode::asText).containsExactly("nobody@example.org");
        assertThat(m.get("attempts").asInt()).isEqualTo(5);
        assertThat(m.get("lastError").asText()).isEqualTo("550 5.1.1 No such user");
        assertThat(m.get("receivedAt").asText()).isEqualTo("2026-11-30T11:50:00.250Z");
        assertThat(m.has("content")).isFalse();
        assertThat(body.get("messages").get(1).get("from").asText()).isEmpty();
        // the answer was produced by the store's own thread, then written by the event loop
        assertThat(admin.failed.completionThreads).containsOnly(InMemoryFailedStore.THREAD);
    }

    @Test
    void showsOneMessageWithUtf8ContentAsText() {
        JsonNode m = AdminTestServer.json(admin.get("/admin/failed/" + first.id().value()));

        assertThat(m.get("id").asText()).isEqualTo(first.id().value());
        assertThat(m.get("content").asText()).isEqualTo("Subject: hi\r\n\r\nh\u00e9llo\r\n");
        assertThat(m.has("contentBase64")).isFalse();
        assertThat(m.get("smtpUtf8").asBoolean()).isFalse();
    }

    @Test
    void showsNonUtf8ContentAsBase64() {
        JsonNode m = AdminTestServer.json(admin.get("/admin/failed/" + second.id().value()));

        assertThat(m.has("content")).isFalse();
        assertThat(Base64.getDecoder().decode(m.get("contentBase64").asText())).isEqualTo(second.content());
    }

    @Test
    void deletesOneMessage() {
        HttpResponse<String> r = admin.delete("/admin/failed/" + first.id().value());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(r).get("deleted").asText()).isEqualTo(first.id().value());
        assertThat(admin.failed.count()).isEqualTo(1);
        assertThat(admin.get("/admin/failed/" + first.id().value()).statusCode()).isEqualTo(404);
        assertThat(admin.failed.requeued).isEmpty();
    }

    @Test
    void retriesOneMessage() {
        HttpResponse<String> r = admin.post("/admin/failed/" + second.id().value() + "/retry");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(r).get("requeued").asInt()).isEqualTo(1);
        assertThat(admin.failed.requeued).extracting(FailedMessage::id).containsExactly(second.id());
        assertThat(admin.failed.count()).isEqualTo(1);
    }

    @Test
    void retryFailedRequeuesEveryMessage() {
        HttpResponse<String> r = admin.post("/admin/retry-failed");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(r).get("requeued").asInt()).isEqualTo(2);
        assertThat(admin.failed.requeued).extracting(FailedMessage::id).containsExactly(first.id(), second.id());
        assertThat(admin.failed.count()).isZero();
        // nothing left: a second call re-queues none
        assertThat(AdminTestServer.json(admin.post("/admin/retry-failed")).get("requeued").asInt()).isZero();
    }

    @Test
    void retryFailedAnswers405ToAnyOtherMethod() {
        for (HttpResponse<String> r : List.of(admin.get("/admin/retry-failed"), admin.delete("/admin/retry-failed"))) {
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("POST");
            assertThat(AdminTestServer.json(r).get("error").asText()).isNotEmpty();
        }
        assertThat(admin.failed.requeued).isEmpty();
    }

    @Test
    void unknownIdsAre404() {
        assertThat(admin.get("/admin/failed/" + UNKNOWN_ID).statusCode()).isEqualTo(404);
        assertThat(admin.delete("/admin/failed/" + UNKNOWN_ID).statusCode()).isEqualTo(404);
        HttpResponse<String> r = admin.post("/admin/failed/" + UNKNOWN_ID + "/retry");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(AdminTestServer.json(r).get("error").asText()).contains(UNKNOWN_ID);
    }

    @Test
    void malformedIdsAre400AndNeverReachTheStore() {
        for (String id : List.of("short", "0000000000000000X", "000000000000000I", "%2E%2E",
                "..%2F..%2Fetc%2Fpasswd", "000000000000000a")) {
            HttpResponse<String> r = admin.get("/admin/failed/" + id);
            assertThat(r.statusCode()).as(id).isEqualTo(400);
            assertThat(AdminTestServer.json(r).get("error").asText()).contains("queue id");
        }
        assertThat(admin.delete("/admin/failed/..%2Fx").statusCode()).isEqualTo(400);
        assertThat(admin.post("/admin/failed/bad-id/retry").statusCode()).isEqualTo(400);
        assertThat(admin.failed.completionThreads).isEmpty();
    }

    @Test
    void wrongMethodsOnOneMessageAre405() {
        HttpResponse<String> put = admin.post("/admin/failed/" + first.id().value());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, DELETE");
        HttpResponse<String> getRetry = admin.get("/admin/failed/" + first.id().value() + "/retry");
        assertThat(getRetry.statusCode()).isEqualTo(405);
        assertThat(getRetry.headers().firstValue("Allow")).hasValue("POST");
        assertThat(admin.post("/admin/failed").statusCode()).isEqualTo(405);
    }

    @Test
    void unknownSubPathIs404() {
        assertThat(admin.post("/admin/failed/" + first.id().value() + "/resend").statusCode()).isEqualTo(404);
    }

    @Test
    void aFailingStoreGives500WithJsonAndTheConnectionStaysUsable() {
        admin.failed.failure = new IllegalStateException("disk on fire");

        HttpResponse<String> r = admin.get("/admin/failed");

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(AdminTestServer.json(r).get("error").asText()).startsWith("internal error");
        admin.failed.failure = null;
        assertThat(admin.get("/admin/failed").statusCode()).isEqualTo(200);
    }
}
