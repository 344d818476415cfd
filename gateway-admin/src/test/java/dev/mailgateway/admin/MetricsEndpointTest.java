package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.testkit.CloseAfterEach;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MetricsEndpointTest {

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();
    private final AdminTestServer admin = closer.add(new AdminTestServer());

    /**
     * A known day: 4 messages accepted with 7 recipients in all; one transaction refused by a
     * rate limit; one connection refused; one AUTH failure; 2 connections open; the relay
     * delivered 2 (one after a deferral) and moved 1 to the failed store; 1 is still queued.
     */
    static void knownSequence(AdminTestServer admin) {
        GatewayMetrics m = admin.metrics;
        m.upDownCounter(MetricNames.CONNECTIONS_OPEN).inc(3);
        m.upDownCounter(MetricNames.CONNECTIONS_OPEN).dec();
        m.counter(MetricNames.CONNECTIONS_REJECTED).inc();
        m.counter(MetricNames.AUTH_FAILURES).inc();
        m.counter(MetricNames.RATE_LIMITED).inc();
        int[] recipients = {1, 2, 3, 1};
        long[] acceptMicros = {1000, 2000, 3000, 4000};
        for (int i = 0; i < 4; i++) {
            m.meter(MetricNames.EMAILS_ACCEPTED).mark();
            m.counter(MetricNames.RECIPIENTS_ACCEPTED).inc(recipients[i]);
            m.timer(MetricNames.ACCEPT_LATENCY).update(acceptMicros[i], TimeUnit.MICROSECONDS);
            m.counter(MetricNames.SPOOL_APPENDS).inc();
        }
        m.counter(MetricNames.SPOOL_FSYNCS).inc(3); // group commit: fewer fsyncs than appends
        m.counter(MetricNames.EMAILS_DEFERRED).inc();
        m.counter(MetricNames.EMAILS_DELIVERED).inc(2);
        m.counter(MetricNames.RECIPIENTS_DELIVERED).inc(3);
        m.timer(MetricNames.PROCESSING_TIME).update(100, TimeUnit.MILLISECONDS);
        m.timer(MetricNames.PROCESSING_TIME).update(300, TimeUnit.MILLISECONDS);
        m.counter(MetricNames.EMAILS_FAILED).inc();
        m.counter(MetricNames.RECIPIENTS_FAILED).inc(3);
        m.timer(MetricNames.PROCESSING_TIME).update(500, TimeUnit.MILLISECONDS);
        admin.dispatcher.dispatch(admin.spooled("a@example.com", List.of("z@example.com"), 1, 0,
                List.of("z@example.com")));
    }

    @Test
    void reportsTheSpecsFiveCountersAfterAKnownSequence() {
        knownSequence(admin);

        HttpResponse<String> r = admin.get("/metrics");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode b = AdminTestServer.json(r);
        assertThat(b.get("total_emails").asLong()).isEqualTo(4);
        assertThat(b.get("successful_emails").asLong()).isEqualTo(2);
        assertThat(b.get("failed_emails").asLong()).isEqualTo(1);
        assertThat(b.get("total_recipients").asLong()).isEqualTo(7);
        assertThat(b.get("avg_processing_time_ms").asDouble()).isEqualTo(300.0);
    }

    @Test
    void reportsTheGatewaysOwnCountersAndGauges() {
        knownSequence(admin);
        admin.metrics.gauge(MetricNames.RETRY_WAITING, () -> 4);

        JsonNode b = AdminTestServer.json(admin.get("/metrics"));

        assertThat(b.get("deferred_emails").asLong()).isEqualTo(1);
        assertThat(b.get("rate_limited").asLong()).isEqualTo(1);
        assertThat(b.get("rejected_connections").asLong()).isEqualTo(1);
        assertThat(b.get("auth_failures").asLong()).isEqualTo(1);
        assertThat(b.get("open_connections").asLong()).isEqualTo(2);
        assertThat(b.get("recipients_delivered").asLong()).isEqualTo(3);
        assertThat(b.get("recipients_failed").asLong()).isEqualTo(3);
        assertThat(b.get("queue_depth").asInt()).isEqualTo(1);
        assertThat(b.get("queue_overflow").asInt()).isZero();
        assertThat(b.get("queue_capacity").asInt()).isEqualTo(10);
        assertThat(b.get("retry_waiting").asLong()).isEqualTo(4);
        assertThat(b.get("spool").get("appends").asLong()).isEqualTo(4);
        assertThat(b.get("spool").get("fsyncs").asLong()).isEqualTo(3);
        assertThat(b.get("spool").get("write_errors").asLong()).isZero();
        assertThat(b.get("accepted_per_second_1m").isNumber()).isTrue();
    }

    @Test
    void acceptLatencyPercentilesAreInMilliseconds() {
        knownSequence(admin);

        JsonNode latency = AdminTestServer.json(admin.get("/metrics")).get("accept_latency_ms");

        // samples 1, 2, 3, 4 ms: the median and p99 are among them, the max is 4
        assertThat(latency.get("p50").asDouble()).isBetween(2.0, 3.0);
        assertThat(latency.get("p99").asDouble()).isEqualTo(4.0);
        assertThat(latency.get("max").asDouble()).isEqualTo(4.0);
        assertThat(latency.get("samples").asInt()).isEqualTo(4);
        assertThat(latency.get("count").asLong()).isEqualTo(4);
    }

    @Test
    void queueDepthCountsTheOverflowToo() {
        for (int i = 0; i < 12; i++) { // capacity 10: two wait in the overflow list
            admin.dispatcher.dispatch(admin.spooled("a@example.com", List.of("b@example.com"), 1, 0,
                    List.of("b@example.com")));
        }
        JsonNode b = AdminTestServer.json(admin.get("/metrics"));
        assertThat(b.get("queue_depth").asInt()).isEqualTo(12);
        assertThat(b.get("queue_overflow").asInt()).isEqualTo(2);
    }

    @Test
    void freshGatewayReportsZerosAndNullForAnUnregisteredGauge() {
        JsonNode b = AdminTestServer.json(admin.get("/metrics"));
        assertThat(b.get("total_emails").asLong()).isZero();
        assertThat(b.get("avg_processing_time_ms").asDouble()).isZero();
        assertThat(b.get("accept_latency_ms").get("p99").asDouble()).isZero();
        assertThat(b.get("retry_waiting").isNull()).isTrue();
    }

    @Test
    void countsAreReadAtRequestTime() {
        admin.metrics.meter(MetricNames.EMAILS_ACCEPTED).mark();
        assertThat(AdminTestServer.json(admin.get("/metrics")).get("total_emails").asLong()).isEqualTo(1);
        admin.metrics.meter(MetricNames.EMAILS_ACCEPTED).mark();
        assertThat(AdminTestServer.json(admin.get("/metrics")).get("total_emails").asLong()).isEqualTo(2);
    }
}
