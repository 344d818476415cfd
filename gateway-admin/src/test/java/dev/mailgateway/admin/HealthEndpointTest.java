package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.health.HealthCheck;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthEndpointTest {

    private AdminTestServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void healthyGatewayAnswers200OkWithTheSpecsDetails() {
        admin = new AdminTestServer();
        admin.spool.freeDiskMb = 8192;
        // 3 accepted (SMTP), 2 delivered and 1 failed (relay), 1 message still in the spool
        admin.metrics.meter(MetricNames.EMAILS_ACCEPTED).mark(3);
        admin.metrics.counter(MetricNames.EMAILS_DELIVERED).inc(2);
        admin.metrics.counter(MetricNames.EMAILS_FAILED).inc();
        admin.spool.live.add(admin.spooled("a@example.com", List.of("b@example.com"), 5, 0,
                List.of("b@example.com")));
        admin.failed.put(admin.failedMessage("a@example.com", List.of("x@example.com"), new byte[0]));

        HttpResponse<String> r = admin.get("/health");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = AdminTestServer.json(r);
        assertThat(body.get("status").asText()).isEqualTo("ok");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-30T12:00:00Z");
        JsonNode d = body.get("details");
        assertThat(d.get("disk_space_available_mb").asLong()).isEqualTo(8192);
        assertThat(d.get("queued_emails").asInt()).isEqualTo(1);
        assertThat(d.get("failed_emails").asInt()).isEqualTo(1);
        assertThat(d.get("total_emails_processed").asLong()).isEqualTo(3);
        assertThat(d.get("success_rate").isNumber()).isTrue();
        assertThat(d.get("success_rate").asDouble()).isEqualTo(66.6);
        assertThat(d.has("problems")).isFalse();
    }

    @Test
    void successRateIs100BeforeAnythingWasProcessed() {
        admin = new AdminTestServer();
        JsonNode d = AdminTestServer.json(admin.get("/health")).get("details");
        assertThat(d.get("total_emails_processed").asLong()).isZero();
        assertThat(d.get("success_rate").asDouble()).isEqualTo(100.0);
    }

    @Test
    void problemsFromEveryCheckMakeIt503Degraded() {
        admin = new AdminTestServer("{}", List.of(() -> List.of("every upstream provider is down")));
        admin.problems.add("free disk 80 MB is under spool.minFreeDiskMb 100");

        HttpResponse<String> r = admin.get("/health");

        assertThat(r.statusCode()).isEqualTo(503);
        JsonNode body = AdminTestServer.json(r);
        assertThat(body.get("status").asText()).isEqualTo("degraded");
        assertThat(body.get("details").get("problems")).extracting(JsonNode::asText)
                .containsExactly("free disk 80 MB is under spool.minFreeDiskMb 100",
                        "every upstream provider is down");
        assertThat(body.get("details").has("queued_emails")).isTrue();
    }

    @Test
    void aCheckThatThrowsIsAProblemNotAHealthyAnswer() {
        HealthCheck broken = () -> {
            throw new IllegalStateException("boom");
        };
        admin = new AdminTestServer("{}", List.of(broken));

        HttpResponse<String> r = admin.get("/health");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(AdminTestServer.json(r).get("details").get("problems").get(0).asText()).contains("boom");
    }

    @Test
    void recoversToOkWhenTheProblemGoesAway() {
        admin = new AdminTestServer();
        admin.problems.add("spool directory is not writable");
        assertThat(admin.get("/health").statusCode()).isEqualTo(503);
        admin.problems.clear();
        assertThat(admin.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void successRateRoundsDownToOneDecimal() {
        assertThat(HealthEndpoint.successRate(0, 0)).isEqualTo(100.0);
        assertThat(HealthEndpoint.successRate(1247, 3)).isEqualTo(99.7); // 99.76
        assertThat(HealthEndpoint.successRate(9999, 1)).isEqualTo(99.9); // never 100.0 with a failure
        assertThat(HealthEndpoint.successRate(0, 5)).isEqualTo(0.0);
        assertThat(HealthEndpoint.successRate(5, 0)).isEqualTo(100.0);
    }

    @Test
    void onlyGetIsAllowed() {
        admin = new AdminTestServer();
        HttpResponse<String> r = admin.post("/health");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(AdminTestServer.json(r).get("error").asText()).contains("not allowed");
    }
}
