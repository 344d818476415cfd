package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.testkit.CloseAfterEach;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class QueueEndpointTest {

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();
    private final AdminTestServer admin = closer.add(new AdminTestServer());

    @Test
    void countsWhereAcceptedMailIsAndShowsTheOldestFirst() {
        SpooledMessage young = admin.spooled("new@example.com", List.of("r@example.com"), 30, 0,
                List.of("r@example.com"));
        SpooledMessage old = admin.spooled("old@example.com", List.of("a@example.com", "b@example.com"),
                3600, 2, List.of("b@example.com"));
        admin.spool.live.add(young);
        admin.spool.live.add(old);
        admin.dispatcher.dispatch(young);
        admin.metrics.gauge(MetricNames.RETRY_WAITING, () -> 1);
        admin.failed.put(admin.failedMessage("x@example.com", List.of("y@example.com"), new byte[0]));

        HttpResponse<String> r = admin.get("/admin/queue");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode b = AdminTestServer.json(r);
        assertThat(b.get("spool_live").asInt()).isEqualTo(2);
        assertThat(b.get("queue_depth").asInt()).isEqualTo(1);
        assertThat(b.get("queue_overflow").asInt()).isZero();
        assertThat(b.get("queue_capacity").asInt()).isEqualTo(10);
        assertThat(b.get("retry_waiting").asInt()).isEqualTo(1);
        assertThat(b.get("failed").asInt()).isEqualTo(1);
        JsonNode oldest = b.get("oldest");
        assertThat(oldest).hasSize(2);
        JsonNode o = oldest.get(0);
        assertThat(o.get("id").asText()).isEqualTo(old.id().value());
        assertThat(o.get("from").asText()).isEqualTo("old@example.com");
        assertThat(o.get("pendingRecipients")).extracting(JsonNode::asText).containsExactly("b@example.com");
        assertThat(o.get("attempts").asInt()).isEqualTo(2);
        assertThat(o.get("receivedAt").asText()).isEqualTo("2026-11-30T11:00:00.250Z");
        assertThat(o.get("ageSeconds").asLong()).isEqualTo(3600);
        assertThat(oldest.get(1).get("id").asText()).isEqualTo(young.id().value());
    }

    @Test
    void showsTheWindowWhatWaitsOnDiskOrForAProviderAndEachProvidersState() {
        for (int i = 0; i < 13; i++) { // queueSize 10: 3 wait on disk
            SpooledMessage m = admin.spooled("a@example.com", List.of("b@example.com"), 10, 0, List.of("b@example.com"));
            admin.spool.live.add(m);
            admin.dispatcher.dispatch(m);
        }
        admin.metrics.gauge(MetricNames.WAITING_PROVIDER, () -> 7);
        java.util.Map<String, Object> down = new java.util.LinkedHashMap<>();
        down.put("address", "smtp.example.com:587");
        down.put("state", "down");
        down.put("downSince", "2026-11-30T11:00:00Z");
        down.put("nextProbe", "2026-11-30T11:00:04Z");
        down.put("reason", "cannot connect to smtp.example.com:587: Connection refused");
        java.util.Map<String, Object> up = new java.util.LinkedHashMap<>();
        up.put("address", "backup.example.net:465");
        up.put("state", "up");
        up.put("downSince", null);
        up.put("nextProbe", null);
        up.put("reason", null);
        admin.metrics.gauge(MetricNames.PROVIDERS, () -> List.of(down, up));

        for (String path : List.of("/admin/queue", "/metrics")) {
            JsonNode b = AdminTestServer.json(admin.get(path));
            assertThat(b.get("dispatch_window").asInt()).as(path).isEqualTo(10);
            assertThat(b.get("waiting_on_disk").asInt()).as(path).isEqualTo(3);
            assertThat(b.get("waiting_for_provider").asInt()).as(path).isEqualTo(7);
            JsonNode p = b.get("providers");
            assertThat(p).as(path).hasSize(2);
            assertThat(p.get(0).get("state").asText()).isEqualTo("down");
            assertThat(p.get(0).get("nextProbe").asText()).isEqualTo("2026-11-30T11:00:04Z");
            assertThat(p.get(0).get("reason").asText()).contains("Connection refused");
            assertThat(p.get(1).get("state").asText()).isEqualTo("up");
            assertThat(p.get(1).get("downSince").isNull()).isTrue();
        }
        // the list gauge is skipped by the Prometheus bridge, the numeric one is exposed
        HttpResponse<String> prom = admin.get("/metrics/prometheus");
        assertThat(prom.statusCode()).isEqualTo(200);
        assertThat(prom.body()).contains("mail_gateway_relay_waiting_provider 7.0");
    }

    @Test
    void showsAtMostTwentyMessages() {
        for (int i = 0; i < 25; i++) {
            admin.spool.live.add(admin.spooled("a@example.com", List.of("b@example.com"), 100 - i, 0,
                    List.of("b@example.com")));
        }
        JsonNode b = AdminTestServer.json(admin.get("/admin/queue"));
        assertThat(b.get("spool_live").asInt()).isEqualTo(25);
        assertThat(b.get("oldest")).hasSize(QueueEndpoint.OLDEST_LIMIT);
        assertThat(b.get("oldest").get(0).get("ageSeconds").asLong()).isEqualTo(100);
    }

    @Test
    void retryWaitingIsNullUntilTheRelayRegistersItsGauge() {
        JsonNode b = AdminTestServer.json(admin.get("/admin/queue"));
        assertThat(b.get("retry_waiting").isNull()).isTrue();
        assertThat(b.get("oldest")).isEmpty();
    }

    @Test
    void onlyGetIsAllowed() {
        HttpResponse<String> r = admin.post("/admin/queue");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
