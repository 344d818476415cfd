package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The composition root in-process: what it binds, what it serves, how it stops. */
class GatewayTest {

    @TempDir
    Path dir;

    private GatewayConfig config(String extra) {
        return ConfigLoader.fromJson("""
                {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "%s",
                 "security": {"requireAuth": false}%s}""".formatted(
                dir.resolve("emails").toString().replace("\\", "\\\\"), extra)).validateForStartup();
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startReturnsTheRealAdminPortAndServesHealthUntilClosed() throws Exception {
        Gateway gateway = new Gateway(config(""), "test");
        try {
            Gateway.Bound bound = gateway.start();
            assertThat(bound.admin()).isNotNull();
            assertThat(bound.admin().getPort()).isPositive();

            HttpResponse<String> health = get(bound.admin().getPort(), "/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            JsonNode json = JsonMapper.builder().build().readTree(health.body());
            assertThat(json.get("status").asText()).isEqualTo("ok");
            assertThat(Files.isDirectory(dir.resolve("emails").resolve("spool"))).isTrue();

            // gauges registered by the composition root
            assertThat(gateway.metrics().gaugeValue(GatewayMetrics.QUEUE_DEPTH)).isEqualTo(0);
            assertThat(gateway.metrics().gaugeValue(GatewayMetrics.QUEUE_OVERFLOW)).isEqualTo(0);
            assertThatThrownBy(gateway::start).isInstanceOf(IllegalStateException.class);
        } finally {
            gateway.close();
        }
        gateway.close(); // idempotent
    }

    @Test
    void closedGatewayNoLongerListens() throws Exception {
        Gateway gateway = new Gateway(config(""), "test");
        int port;
        try {
            port = gateway.start().admin().getPort();
        } finally {
            gateway.close();
        }
        assertThatThrownBy(() -> get(port, "/health")).isInstanceOf(ConnectException.class);
    }

    @Test
    void healthcheckCommandReportsARealDegradedGateway() throws Exception {
        // no disk has this much free space: the spool's health check reports it
        GatewayConfig c = config(", \"spool\": {\"minFreeDiskMb\": 1000000000000}");
        Gateway gateway = new Gateway(c, "test");
        try {
            int port = gateway.start().admin().getPort();
            GatewayConfig probe = ConfigLoader.fromJson("{\"healthCheckPort\": " + port + "}");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = HealthProbe.run(probe, Duration.ofSeconds(5), System.out,
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("HTTP 503").contains("degraded").contains("minFreeDiskMb");
        } finally {
            gateway.close();
        }
    }

    @Test
    void healthCheckDisabledBindsNoAdminPort() {
        Gateway gateway = new Gateway(config(", \"enableHealthCheck\": false"), "test");
        try {
            assertThat(gateway.start().admin()).isNull();
        } finally {
            gateway.close();
        }
    }

    @Test
    void deliveryModeNamesLocalForwardOrProviders() {
        Path emails = dir.resolve("emails");
        assertThat(Gateway.deliveryMode(config(""), emails)).startsWith("local")
                .contains(emails.resolve("local").toString());
        assertThat(Gateway.deliveryMode(config(", \"forwardSMTP\": true, \"forwardHost\": \"up.example.com\","
                + " \"forwardPort\": 465, \"forwardSSL\": true, \"forwardUsername\": \"u\","
                + " \"forwardPassword\": \"secret\""), emails))
                .isEqualTo("forward to up.example.com:465 (SSL) with AUTH as u");
        assertThat(Gateway.deliveryMode(config(", \"forwardSMTP\": true, \"forwardProviders\": ["
                + "{\"host\": \"b.example.com\", \"priority\": 2},"
                + "{\"host\": \"a.example.com\", \"port\": 465, \"ssl\": true, \"priority\": 1}]"), emails))
                .isEqualTo("providers a.example.com:465 SSL (priority 1), b.example.com:587 (priority 2)");
    }
}
