package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.testkit.Await;
import dev.mailgateway.testkit.CloseAfterEach;
import dev.mailgateway.testkit.HttpTestClient;
import dev.mailgateway.testkit.ScriptedUpstream;
import dev.mailgateway.testkit.ScriptedUpstreamExtension;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 end to end: the whole gateway (real SMTP client, spool on disk, relay, admin HTTP)
 * against {@link ScriptedUpstream}s that go away and come back, or hold DATA.
 */
class OutageAndBurstTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @RegisterExtension
    final ScriptedUpstreamExtension upstreams = new ScriptedUpstreamExtension();
    /** Registered after the upstreams, so closed before them: gateways first. */
    @RegisterExtension
    final CloseAfterEach gateways = new CloseAfterEach();

    /** Starts a gateway forwarding as {@code forwarding} says, plus {@code extra} JSON members. */
    private Gateway.Bound gateway(String forwarding, String extra) {
        String json = """
                {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "%s",
                 "forwardSMTP": true, %s,
                 "security": {"requireAuth": false}%s}""".formatted(
                dir.resolve("emails").toString().replace("\\", "\\\\"), forwarding, extra);
        Gateway g = new Gateway(ConfigLoader.fromJson(json).validateForStartup(), "test");
        gateways.add(g);
        return g.start();
    }

    private static String single(ScriptedUpstream u) {
        return "\"forwardHost\": \"127.0.0.1\", \"forwardPort\": " + u.port();
    }

    @Test
    void onlyUpstreamDown25SecondsWithDefaultRetryIsDeliveredSoonAfterItsReturnAndNeverFails() throws Exception {
        // the scenario, faithfully: default retry settings, 25 s outage
        ScriptedUpstream up = upstreams.start();
        up.down = true;
        Gateway.Bound b = gateway(single(up), "");
        int admin = b.admin().getPort();

        long start = System.nanoTime();
        SmtpClient.send(b.smtp().getPort(), "outage");
        awaitTrue("health degraded while the only provider is down", Duration.ofSeconds(10),
                () -> get(admin, "/health").statusCode() == 503);
        JsonNode q = json(get(admin, "/admin/queue"));
        assertThat(q.get("providers").get(0).get("state").asText()).isEqualTo("down");
        assertThat(q.get("providers").get(0).get("nextProbe").isNull()).isFalse();
        awaitTrue("the message waits for a provider", Duration.ofSeconds(10),
                () -> json(get(admin, "/metrics")).get("waiting_for_provider").asInt() == 1);

        sleepUntil(start, Duration.ofSeconds(25));
        assertThat(up.delivered()).isEmpty();
        assertThat(failedFiles()).as("default maxAttempts 5 is not used up by the outage").isZero();
        up.down = false;
        long back = System.nanoTime();

        // probes ran at ~1, 3, 7, 15 s; the next is due ~31 s after the first failure
        awaitTrue("delivered after the upstream's return", Duration.ofSeconds(20), () -> up.delivered().size() == 1);
        long afterReturnMs = (System.nanoTime() - back) / 1_000_000;
        assertThat(afterReturnMs).as("woken by the probe due ~6 s after the return, not by a back-off of its own")
                .isLessThan(10_000);
        awaitTrue("health ok within ~2 s of the probe", Duration.ofSeconds(3),
                () -> get(admin, "/health").statusCode() == 200);
        assertThat(failedFiles()).isZero();
    }

    @Test
    void withManyAttemptsAndOneSecondBackoffDeliveryFollowsTheReturnWithinTwoSeconds() throws Exception {
        ScriptedUpstream up = upstreams.start();
        up.down = true;
        // providerBackoffSec caps the probe interval: 1 s here, so a probe follows the return within ~1 s
        Gateway.Bound b = gateway(single(up), """
                , "retry": {"maxAttempts": 100, "initialDelayMs": 1000, "maxDelayMs": 1000, "multiplier": 1.0},
                  "relay": {"providerBackoffSec": 1}""");

        SmtpClient.send(b.smtp().getPort(), "many attempts");
        awaitTrue("a few probes fail", Duration.ofSeconds(20), () -> up.connections.get() >= 4);
        up.down = false;
        long back = System.nanoTime();
        awaitTrue("delivered", Duration.ofSeconds(10), () -> up.delivered().size() == 1);
        assertThat((System.nanoTime() - back) / 1_000_000).isLessThan(2_500);
        assertThat(failedFiles()).isZero();
    }

    @Test
    void outageLongerThanMaxAgeGoesToTheFailedStoreAndThePeriodicResendDeliversIt() throws Exception {
        ScriptedUpstream up = upstreams.start();
        up.down = true;
        Gateway.Bound b = gateway(single(up), """
                , "retry": {"maxAgeSec": 2, "failedRetryIntervalMs": 1500}, "relay": {"providerBackoffSec": 1}""");

        SmtpClient.send(b.smtp().getPort(), "too old");
        // the periodic re-send may take it back out at any moment (and, still expired, it returns): read it as it appears
        java.util.concurrent.atomic.AtomicReference<JsonNode> seen = new java.util.concurrent.atomic.AtomicReference<>();
        awaitTrue("the failed store holds it", Duration.ofSeconds(15), () -> {
            JsonNode list = json(get(b.admin().getPort(), "/admin/failed")).get("messages");
            if (list.isEmpty()) {
                return false;
            }
            seen.set(list.get(0));
            return true;
        });
        JsonNode failed = seen.get();
        assertThat(failed.get("lastError").asText()).contains("retry.maxAgeSec 2").contains("no upstream available");
        assertThat(failed.get("attempts").asInt()).as("no attempt reached the upstream").isZero();

        up.down = false;
        awaitTrue("the periodic re-send delivers it", Duration.ofSeconds(20), () -> up.delivered().size() == 1);
        assertThat(up.delivered().get(0)).contains("Subject: too old");
        awaitTrue("its failed-store file is gone", Duration.ofSeconds(10), () -> failedFiles() == 0);
    }

    @Test
    void twoProvidersPriorityZeroDownThenBackTrafficMovesToOneAndFailsBack() throws Exception {
        ScriptedUpstream primary = upstreams.start();
        ScriptedUpstream backup = upstreams.start();
        primary.down = true;
        Gateway.Bound b = gateway("""
                "forwardProviders": [{"host": "127.0.0.1", "port": %d, "priority": 0},
                                     {"host": "127.0.0.1", "port": %d, "priority": 1}]""".formatted(
                primary.port(), backup.port()), "");

        SmtpClient.send(b.smtp().getPort(), "during");
        awaitTrue("the backup takes it", Duration.ofSeconds(10), () -> backup.delivered().size() == 1);
        assertThat(get(b.admin().getPort(), "/health").statusCode()).as("one provider is up").isEqualTo(200);

        primary.down = false;
        awaitTrue("the primary's probe succeeds", Duration.ofSeconds(10), () -> "up".equals(
                json(get(b.admin().getPort(), "/admin/queue")).get("providers").get(0).get("state").asText()));
        SmtpClient.send(b.smtp().getPort(), "after");
        awaitTrue("traffic fails back to the primary", Duration.ofSeconds(10), () -> primary.delivered().size() == 1);
        assertThat(primary.delivered().get(0)).contains("Subject: after");
        assertThat(backup.delivered()).hasSize(1);
    }

    @Test
    void burstOfThirtyIntoAWindowOfTwoIsAcceptedAndDelivered() throws Exception {
        ScriptedUpstream up = upstreams.start();
        CountDownLatch release = new CountDownLatch(1);
        up.holdData = release;
        Gateway.Bound b = gateway(single(up), ", \"queueSize\": 2, \"workerCount\": 1");

        for (int i = 0; i < 30; i++) {
            SmtpClient.send(b.smtp().getPort(), "burst " + i); // throws unless 250
        }
        JsonNode q = json(get(b.admin().getPort(), "/admin/queue"));
        assertThat(q.get("spool_live").asInt()).isEqualTo(30);
        assertThat(q.get("dispatch_window").asInt()).isLessThanOrEqualTo(2);
        assertThat(q.get("waiting_on_disk").asInt()).as("beyond the window and the in-flight deliveries")
                .isPositive();

        release.countDown();
        awaitTrue("all 30 delivered", Duration.ofSeconds(30), () -> up.delivered().size() == 30);
        awaitTrue("spool empty", Duration.ofSeconds(10),
                () -> json(get(b.admin().getPort(), "/admin/queue")).get("spool_live").asInt() == 0);
    }

    @Test
    void spoolMaxMessagesRefusesTheSixthWith452AndAcceptsAgainAfterTheDrain() throws Exception {
        ScriptedUpstream up = upstreams.start();
        CountDownLatch release = new CountDownLatch(1);
        up.holdData = release;
        Gateway.Bound b = gateway(single(up), ", \"queueSize\": 2, \"workerCount\": 1, \"spool\": {\"maxMessages\": 5}");

        for (int i = 0; i < 5; i++) {
            SmtpClient.send(b.smtp().getPort(), "bounded " + i);
        }
        assertThatThrownBy(() -> SmtpClient.send(b.smtp().getPort(), "sixth"))
                .isInstanceOf(MessagingException.class)
                .satisfies(e -> assertThat(chain(e)).contains("452 4.3.1"));

        release.countDown();
        awaitTrue("every acknowledged one delivered", Duration.ofSeconds(30), () -> up.delivered().size() == 5);
        awaitTrue("spool drained", Duration.ofSeconds(10),
                () -> json(get(b.admin().getPort(), "/admin/queue")).get("spool_live").asInt() == 0);
        SmtpClient.send(b.smtp().getPort(), "after the drain");
        awaitTrue("accepted and delivered again", Duration.ofSeconds(10), () -> up.delivered().size() == 6);
        assertThat(up.delivered()).noneMatch(m -> m.contains("Subject: sixth"));
    }

    // ------------------------------------------------------------------ helpers

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
            if (t instanceof MessagingException me && me.getNextException() != null && me.getNextException() != t.getCause()) {
                sb.append(me.getNextException().getMessage()).append(" | ");
            }
        }
        return sb.toString();
    }

    private long failedFiles() {
        Path failed = dir.resolve("emails").resolve("failed");
        if (!Files.isDirectory(failed)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(failed)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> get(int port, String path) {
        try {
            return HttpTestClient.get(port, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleepUntil(long startNanos, Duration d) throws InterruptedException {
        long left = startNanos + d.toNanos() - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000); // the outage's length is the scenario under test
        }
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(condition, timeout, () -> what);
    }
}
