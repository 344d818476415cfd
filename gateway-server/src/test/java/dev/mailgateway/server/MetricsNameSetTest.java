package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full set of metric names a running gateway exposes, on {@code /metrics} (JSON paths) and
 * {@code /metrics/prometheus} (the gateway's families with their type; the JVM's
 * are the client library's): every module registers its own
 * metrics on the shared registry, and together they must give exactly this set.
 */
class MetricsNameSetTest {

    @TempDir
    Path dir;

    private static final String PROMETHEUS = """
            mail_gateway_admin_auth_failures_total counter
            mail_gateway_admin_auth_throttled_total counter
            mail_gateway_emails_accepted_total counter
            mail_gateway_emails_deferred_total counter
            mail_gateway_emails_delivered_total counter
            mail_gateway_emails_failed_total counter
            mail_gateway_emails_processing_time_seconds summary
            mail_gateway_failed_stored gauge
            mail_gateway_queue_depth gauge
            mail_gateway_queue_overflow gauge
            mail_gateway_recipients_accepted_total counter
            mail_gateway_recipients_delivered_total counter
            mail_gateway_recipients_failed_total counter
            mail_gateway_relay_pool_idle gauge
            mail_gateway_relay_pool_open gauge
            mail_gateway_relay_provider_down_since_seconds gauge
            mail_gateway_relay_provider_next_probe_seconds gauge
            mail_gateway_relay_provider_up gauge
            mail_gateway_relay_retry_waiting gauge
            mail_gateway_relay_waiting_provider gauge
            mail_gateway_smtp_accept_latency_seconds summary
            mail_gateway_smtp_auth_failures_total counter
            mail_gateway_smtp_connections_open gauge
            mail_gateway_smtp_connections_rejected_total counter
            mail_gateway_smtp_deadlines_expired_total counter
            mail_gateway_smtp_rate_limited_total counter
            mail_gateway_spool_appends_total counter
            mail_gateway_spool_disk_free_bytes gauge
            mail_gateway_spool_fsyncs_total counter
            mail_gateway_spool_live gauge
            mail_gateway_spool_write_errors_total counter
            """;

    @Test
    void aRunningGatewayExposesExactlyTheKnownNames() throws Exception {
        Gateway gateway = new Gateway(ConfigLoader.fromJson("""
                {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "%s",
                 "security": {"requireAuth": false}, "forwardSMTP": true,
                 "forwardProviders": [{"host": "127.0.0.1", "port": 9, "priority": 1}]}""".formatted(
                dir.resolve("emails").toString().replace("\\", "\\\\"))).validateForStartup(), "test");
        try {
            int port = gateway.start().admin().getPort();
            TreeSet<String> families = new TreeSet<>();
            for (String line : get(port, "/metrics/prometheus").split("\n")) {
                if (line.startsWith("# TYPE mail_gateway_")) {
                    families.add(line.substring("# TYPE ".length()));
                }
            }
            assertThat(String.join("\n", families) + "\n").isEqualTo(PROMETHEUS);

            TreeSet<String> paths = new TreeSet<>();
            collect("", JsonMapper.builder().build().readTree(get(port, "/metrics")), paths);
            assertThat(paths).containsExactly(
                    "accept_latency_ms.count", "accept_latency_ms.max", "accept_latency_ms.mean",
                    "accept_latency_ms.p50", "accept_latency_ms.p99", "accept_latency_ms.samples",
                    "accepted_per_second_1m", "auth_failures", "avg_processing_time_ms", "deferred_emails",
                    "dispatch_window", "failed_emails", "failed_stored", "open_connections",
                    "processing_time_ms.count", "processing_time_ms.max", "processing_time_ms.mean",
                    "processing_time_ms.p50", "processing_time_ms.p99", "processing_time_ms.samples",
                    "providers", "queue_capacity", "queue_depth", "queue_overflow", "queued_emails",
                    "rate_limited", "recipients_delivered", "recipients_failed", "rejected_connections",
                    "retry_waiting", "spool.appends", "spool.fsyncs", "spool.write_errors",
                    "successful_emails", "total_emails", "total_recipients", "waiting_for_provider",
                    "waiting_on_disk");
        } finally {
            gateway.close();
        }
    }

    private static void collect(String prefix, JsonNode node, TreeSet<String> out) {
        if (!node.isObject()) {
            out.add(prefix);
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            collect(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
        }
    }

    private static String get(int port, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }
}
