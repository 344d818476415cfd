package dev.mailgateway.server;

import static dev.mailgateway.testkit.HttpTestClient.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.testkit.Await;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec section 5 end to end: a message the upstream rejects for good lands in the failed
 * store; {@code POST /admin/retry-failed} re-sends it with its id, and once the upstream
 * accepts, it is delivered and counted, and its failed-store file is gone.
 */
class FailedMailRecoveryTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void retryFailedMovesAMessageFromTheFailedStoreToDeliveredAtTheUpstream() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream()) {
            upstream.rcptReply = r -> "550 5.1.1 No such user";
            Path emails = dir.resolve("emails");
            Gateway gateway = new Gateway(ConfigLoader.fromJson("""
                    {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "%s",
                     "forwardSMTP": true, "forwardHost": "127.0.0.1", "forwardPort": %d,
                     "retry": {"failedRetryIntervalMs": 0},
                     "security": {"requireAuth": false}}""".formatted(
                    emails.toString().replace("\\", "\\\\"), upstream.port())).validateForStartup(), "test");
            try {
                Gateway.Bound bound = gateway.start();
                int admin = bound.admin().getPort();
                SmtpClient.send(bound.smtp().getPort(), "recover me");

                Path failedDir = emails.resolve("failed");
                awaitTrue("the message reaches the failed store", () -> jsonFiles(failedDir) == 1);
                JsonNode list = JSON.readTree(send(admin, "GET", "/admin/failed").body());
                assertThat(list.get("count").asInt()).isEqualTo(1);
                JsonNode failed = list.get("messages").get(0);
                String id = failed.get("id").asText();
                assertThat(failed.get("lastError").asText()).contains("550 5.1.1");
                assertThat(upstream.delivered()).isEmpty();
                JsonNode metrics = JSON.readTree(send(admin, "GET", "/metrics").body());
                assertThat(metrics.get("failed_emails").asInt()).isEqualTo(1);
                assertThat(metrics.get("successful_emails").asInt()).isZero();

                upstream.rcptReply = r -> "250 2.1.5 Ok";
                HttpResponse<String> retry = send(admin, "POST", "/admin/retry-failed");
                assertThat(retry.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(retry.body()).get("requeued").asInt()).isEqualTo(1);

                awaitTrue("the upstream receives the re-sent message", () -> upstream.delivered().size() == 1);
                assertThat(upstream.delivered().get(0)).contains("Subject: recover me")
                        .contains(" id " + id + ";"); // the Received header keeps the original queue id
                awaitTrue("the failed-store file is removed", () -> jsonFiles(failedDir) == 0);
                awaitTrue("the delivery is counted", () -> {
                    try {
                        JsonNode m = JSON.readTree(send(admin, "GET", "/metrics").body());
                        return m.get("successful_emails").asInt() == 1;
                    } catch (Exception e) {
                        return false;
                    }
                });
                JsonNode health = JSON.readTree(send(admin, "GET", "/health").body());
                assertThat(health.get("details").get("failed_emails").asInt()).isZero();
                assertThat(health.get("details").get("queued_emails").asInt()).isZero();
                assertThat(send(admin, "GET", "/admin/failed/" + id).statusCode()).isEqualTo(404);
            } finally {
                gateway.close();
            }
        }
    }

    private static long jsonFiles(Path failedDir) {
        if (!Files.isDirectory(failedDir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(failedDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** Polls until {@code condition} holds, for at most 20 s (bounded, no fixed sleeps in assertions). */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(condition, Duration.ofSeconds(20), () -> what);
    }
}
