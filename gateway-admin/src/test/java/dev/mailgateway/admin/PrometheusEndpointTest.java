package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrometheusEndpointTest {

    /** A sample line of the text format 0.0.4: name, optional labels, value, optional timestamp. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\""
                    + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*,?})? (\\S+)( -?\\d+)?");
    private static final Pattern META = Pattern.compile(
            "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                    + "(counter|gauge|summary|histogram|untyped|info|stateset|unknown))");

    private AdminTestServer admin;

    @BeforeEach
    void start() {
        admin = new AdminTestServer();
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    /** Parses the whole text; fails on any line that is not a comment, sample or blank. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                assertThat(line).matches(META);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line: %s", line).isTrue();
            String key = m.group(1) + (m.group(2) == null ? "" : m.group(2));
            String value = m.group(3);
            double v = switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(value);
            };
            assertThat(samples.put(key, v)).as("duplicate sample %s", key).isNull();
        }
        return samples;
    }

    @Test
    void textFormatWithTheVersionedContentType() {
        HttpResponse<String> r = admin.get("/metrics/prometheus");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(parse(r.body())).isNotEmpty();
    }

    @Test
    void carriesTheSameCountsAsTheJsonMetrics() {
        MetricsEndpointTest.knownSequence(admin);

        JsonNode json = AdminTestServer.json(admin.get("/metrics"));
        Map<String, Double> prom = parse(admin.get("/metrics/prometheus").body());

        assertThat(prom.get("mail_gateway_emails_accepted_total")).isEqualTo(json.get("total_emails").asDouble());
        assertThat(prom.get("mail_gateway_emails_delivered_total"))
                .isEqualTo(json.get("successful_emails").asDouble());
        assertThat(prom.get("mail_gateway_emails_failed_total")).isEqualTo(json.get("failed_emails").asDouble());
        assertThat(prom.get("mail_gateway_recipients_accepted_total"))
                .isEqualTo(json.get("total_recipients").asDouble());
        assertThat(prom.get("mail_gateway_emails_deferred_total")).isEqualTo(json.get("deferred_emails").asDouble());
        assertThat(prom.get("mail_gateway_smtp_rate_limited_total")).isEqualTo(json.get("rate_limited").asDouble());
        assertThat(prom.get("mail_gateway_smtp_connections_rejected_total"))
                .isEqualTo(json.get("rejected_connections").asDouble());
        assertThat(prom.get("mail_gateway_spool_fsyncs_total")).isEqualTo(json.get("spool").get("fsyncs").asDouble());
        assertThat(prom.get("mail_gateway_emails_processing_time_count"))
                .isEqualTo(json.get("processing_time_ms").get("count").asDouble());
        // timers become summaries in seconds: p99 of 1..4 ms accept latency is 4 ms
        assertThat(prom.get("mail_gateway_smtp_accept_latency{quantile=\"0.99\"}"))
                .isEqualTo(json.get("accept_latency_ms").get("p99").asDouble() / 1000.0);
        assertThat(json.get("total_emails").asLong()).isEqualTo(4); // the sequence really happened
    }

    @Test
    void gaugesRegisteredByComponentsAppearAsGauges() {
        admin.metrics.gauge(GatewayMetrics.QUEUE_DEPTH, admin.dispatcher::depth);
        admin.dispatcher.dispatch(admin.spooled("a@example.com", List.of("b@example.com"), 1, 0,
                List.of("b@example.com")));

        String text = admin.get("/metrics/prometheus").body();

        assertThat(text).contains("# TYPE mail_gateway_queue_depth gauge");
        assertThat(parse(text).get("mail_gateway_queue_depth")).isEqualTo(1.0);
    }

    @Test
    void everyGatewayMetricIsPrefixedAndJvmMetricsAreIncluded() {
        Map<String, Double> prom = parse(admin.get("/metrics/prometheus").body());

        assertThat(prom.keySet()).filteredOn(k -> k.contains("emails") || k.contains("spool")
                || k.contains("smtp") || k.contains("recipients")).allMatch(k -> k.startsWith("mail_gateway_"));
        assertThat(prom.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
        assertThat(prom.keySet()).anyMatch(k -> k.startsWith("jvm_threads_"));
    }

    @Test
    void eachServerHasItsOwnRegistryNotTheDefaultOne() {
        admin.metrics.emailsAccepted.mark(5);
        try (AdminTestServer other = new AdminTestServer()) {
            other.metrics.emailsAccepted.mark(2);

            assertThat(parse(admin.get("/metrics/prometheus").body()).get("mail_gateway_emails_accepted_total"))
                    .isEqualTo(5.0);
            assertThat(parse(other.get("/metrics/prometheus").body()).get("mail_gateway_emails_accepted_total"))
                    .isEqualTo(2.0);
        }
        assertThat(PrometheusRegistry.defaultRegistry.scrape().stream()
                .map(s -> s.getMetadata().getName())).noneMatch(n -> n.startsWith("mail_gateway"));
    }

    @Test
    void onlyGetIsAllowed() {
        HttpResponse<String> r = admin.delete("/metrics/prometheus");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
