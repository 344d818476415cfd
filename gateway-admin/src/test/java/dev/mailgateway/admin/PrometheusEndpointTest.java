package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.testkit.CloseAfterEach;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PrometheusEndpointTest {

    /** A sample line of the text format 0.0.4: name, optional labels, value, optional timestamp. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\""
                    + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*,?})? (\\S+)( -?\\d+)?");
    private static final Pattern META = Pattern.compile(
            "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                    + "(counter|gauge|summary|histogram|untyped|info|stateset|unknown))");

    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();
    private final AdminTestServer admin = closer.add(new AdminTestServer());

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
        assertThat(prom.get("mail_gateway_emails_processing_time_seconds_count"))
                .isEqualTo(json.get("processing_time_ms").get("count").asDouble());
        // timers become summaries in seconds: p99 of 1..4 ms accept latency is 4 ms
        assertThat(prom.get("mail_gateway_smtp_accept_latency_seconds{quantile=\"0.99\"}"))
                .isEqualTo(json.get("accept_latency_ms").get("p99").asDouble() / 1000.0);
        // with a _sum (issue #14): the mean over any range is rate(_sum) / rate(_count)
        assertThat(prom.get("mail_gateway_smtp_accept_latency_seconds_sum") / prom.get("mail_gateway_smtp_accept_latency_seconds_count"))
                .isCloseTo(json.get("accept_latency_ms").get("mean").asDouble() / 1000.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(json.get("total_emails").asLong()).isEqualTo(4); // the sequence really happened
    }

    @Test
    void gaugesRegisteredByComponentsAppearAsGauges() {
        admin.metrics.gauge(MetricNames.QUEUE_DEPTH, admin.dispatcher::depth);
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
        admin.metrics.meter(MetricNames.EMAILS_ACCEPTED).mark(5);
        try (AdminTestServer other = new AdminTestServer()) {
            other.metrics.meter(MetricNames.EMAILS_ACCEPTED).mark(2);

            assertThat(parse(admin.get("/metrics/prometheus").body()).get("mail_gateway_emails_accepted_total"))
                    .isEqualTo(5.0);
            assertThat(parse(other.get("/metrics/prometheus").body()).get("mail_gateway_emails_accepted_total"))
                    .isEqualTo(2.0);
        }
        assertThat(PrometheusRegistry.defaultRegistry.scrape().stream()
                .map(s -> s.getMetadata().getName())).noneMatch(n -> n.startsWith("mail_gateway"));
    }

    @Test
    void providersAreALabelDiskIsInBytesAndEveryFamilyHasHelp_issue14() {
        admin.metrics.timer(MetricNames.PROVIDER_LATENCY + "smtp.example.com:587").update(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        admin.metrics.timer(MetricNames.PROVIDER_LATENCY + "127.0.0.1:2525").update(5, java.util.concurrent.TimeUnit.MILLISECONDS);
        admin.metrics.gauge(MetricNames.DISK_FREE_MB, () -> 3L);
        admin.metrics.labelledGauge("relay.provider.up", "provider", "1 when usable.",
                () -> Map.of("smtp.example.com:587", 1, "127.0.0.1:2525", 0));

        String text = admin.get("/metrics/prometheus").body();
        Map<String, Double> prom = parse(text);

        assertThat(prom.get("mail_gateway_relay_provider_latency_seconds_sum{provider=\"smtp.example.com:587\"}"))
                .isEqualTo(0.02);
        assertThat(prom.get("mail_gateway_relay_provider_latency_seconds_count{provider=\"127.0.0.1:2525\"}"))
                .isEqualTo(1.0);
        assertThat(prom.get("mail_gateway_relay_provider_up{provider=\"127.0.0.1:2525\"}")).isEqualTo(0.0);
        assertThat(prom.get("mail_gateway_spool_disk_free_bytes")).isEqualTo(3.0 * 1024 * 1024);
        assertThat(text).doesNotContain("free_mb").doesNotContain("127_0_0_1").doesNotContain("$$Lambda")
                .doesNotContain("Generated from Dropwizard");
        java.util.Set<String> typed = new java.util.HashSet<>();
        java.util.Set<String> helped = new java.util.HashSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE mail_gateway_")) {
                typed.add(line.split(" ")[2]);
            } else if (line.startsWith("# HELP mail_gateway_")) {
                helped.add(line.split(" ")[2]);
                assertThat(line.split(" ", 4)[3]).as(line).hasSizeGreaterThan(8);
            }
        }
        assertThat(helped).containsAll(typed);
    }

    @Test
    void promtoolFindsNoProblems_issue14() throws Exception {
        String promtool = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(d -> java.nio.file.Path.of(d, "promtool")).filter(java.nio.file.Files::isExecutable)
                .map(Object::toString).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(promtool != null,
                "promtool not installed (apt-get install -y prometheus)");
        MetricsEndpointTest.knownSequence(admin);
        admin.metrics.timer(MetricNames.PROVIDER_LATENCY + "smtp.example.com:587").update(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        admin.metrics.gauge(MetricNames.DISK_FREE_MB, () -> 3L);
        admin.metrics.gauge(MetricNames.QUEUE_DEPTH, admin.dispatcher::depth);
        admin.metrics.labelledGauge("relay.provider.up", "provider", "1 when usable.",
                () -> Map.of("smtp.example.com:587", 1));
        byte[] exposition = admin.get("/metrics/prometheus").body().getBytes(java.nio.charset.StandardCharsets.UTF_8);

        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
        try {
            try (var in = p.getOutputStream()) {
                in.write(exposition);
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("promtool check metrics").isEmpty();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theGrafanaDashboardQueriesOnlySeriesTheGatewayExposes() throws Exception {
        MetricsEndpointTest.knownSequence(admin);
        admin.metrics.timer(MetricNames.PROVIDER_LATENCY + "smtp.example.com:587").update(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        for (String g : List.of(MetricNames.QUEUE_DEPTH, MetricNames.QUEUE_OVERFLOW, MetricNames.SPOOL_LIVE,
                MetricNames.DISK_FREE_MB, MetricNames.FAILED_STORED, MetricNames.RETRY_WAITING)) {
            admin.metrics.gauge(g, () -> 1);
        }
        admin.metrics.labelledGauge("relay.provider.up", "provider", "1 when usable.", () -> Map.of("h:1", 1));
        java.util.Set<String> series = new java.util.HashSet<>();
        parse(admin.get("/metrics/prometheus").body()).keySet().forEach(k -> series.add(k.replaceAll("\\{.*", "")));

        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "grafana-dashboard.json"));
        Matcher m = Pattern.compile("mail_gateway_[a-z_]+").matcher(dashboard);
        int n = 0;
        while (m.find()) {
            n++;
            assertThat(series).as("dashboard series %s", m.group()).contains(m.group());
        }
        assertThat(n).isGreaterThan(10);
    }

    @Test
    void onlyGetIsAllowed() {
        HttpResponse<String> r = admin.delete("/metrics/prometheus");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
