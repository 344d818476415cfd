package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar as a user runs it: commands, exit codes, start-up log, signals. */
class GatewayProcessIT {

    @TempDir
    Path dir;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Local delivery, no AUTH, loopback only, everything under {@code dir}. */
    private Path localConfig(int smtpPort, int adminPort, String extra) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, """
                { // written by GatewayProcessIT
                  "smtpPort": %d, "healthCheckPort": %d, "emailsDir": "emails",
                  "forwardSMTP": false,
                  "rateLimits": {"enabled": true, "maxPerHour": 100},
                  "security": {"requireAuth": false, "allowLocalOnly": true}%s
                }""".formatted(smtpPort, adminPort, extra));
        return file;
    }

    @Test
    void versionComesFromTheJarManifest() throws Exception {
        GatewayProcess.Result r = GatewayProcess.run(dir, Map.of(), "--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.output().strip()).isEqualTo("mail-gateway " + System.getProperty("gateway.version"));
    }

    @Test
    void helpExitsZeroAndUnknownArgumentExitsTwo() throws Exception {
        assertThat(GatewayProcess.run(dir, Map.of(), "--help").output()).contains("--check-config");
        GatewayProcess.Result bad = GatewayProcess.run(dir, Map.of(), "--nope");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.output()).contains("unknown argument").contains("Usage:");
    }

    @Test
    void checkConfigMasksPasswordsAndExitsZero() throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"defaultUsername": "apps", "defaultPassword": "s3cret-in", "forwardSMTP": true,
                 "forwardHost": "smtp.example.com", "forwardPassword": "s3cret-up"}""");
        GatewayProcess.Result r = GatewayProcess.run(dir, Map.of(), "--check-config");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("\"defaultUsername\"").doesNotContain("s3cret");
    }

    @Test
    void configErrorExitsTwoWithoutStackTraceAtCheckAndAtStart() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"smtpPort\": \"twenty-five\"}");
        for (String[] args : new String[][] {{"--check-config"}, {}}) {
            GatewayProcess.Result r = GatewayProcess.run(dir, Map.of(), args);
            assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
            assertThat(r.output()).contains("config error").contains("smtpPort")
                    .doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void configFileFromEnvironmentIsUsed() throws Exception {
        Path file = dir.resolve("elsewhere.json");
        Files.writeString(file, "{\"smtpPort\": 2999, \"security\": {\"requireAuth\": false}}");
        GatewayProcess.Result r = GatewayProcess.run(dir, Map.of("CONFIG_FILE", file.toString()),
                "--check-config");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("2999").contains("from CONFIG_FILE");
    }

    @Test
    void logsWhatRunsWhereAndStopsWithExitZeroOnSigterm() throws Exception {
        localConfig(0, 0, "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            String out = gw.output();
            assertThat(out).contains("config: " + dir.resolve("config.json") + " (from ./config.json)")
                    .containsPattern("transport: (epoll|nio)")
                    .contains("delivery: local")
                    .containsPattern("recovered message");
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
            assertThat(gw.output()).contains("received SIGTERM").contains("stopped");
        }
    }

    @Test
    void sighupAppliesRateLimitsAndNamesRestartKeys() throws Exception {
        Path file = localConfig(0, 0, "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            Files.writeString(file, Files.readString(file)
                    .replace("\"maxPerHour\": 100", "\"maxPerHour\": 7")
                    .replace("\"emailsDir\": \"emails\"", "\"emailsDir\": \"other\""));
            gw.signal("HUP");
            gw.awaitLog("applied \\[rateLimits\\.maxPerHour]", Duration.ofSeconds(10));
            gw.awaitLog("\\[emailsDir] changed but need a restart", Duration.ofSeconds(10));

            // an invalid file is refused, the gateway keeps running
            Files.writeString(file, "{\"rateLimits\": {\"maxPerHour\": 0}}");
            gw.signal("HUP");
            gw.awaitLog("reload .* failed, keeping the running config: rateLimits.maxPerHour",
                    Duration.ofSeconds(10));
            assertThat(gw.process().isAlive()).isTrue();

            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).isZero();
        }
    }

    @Test
    void underNohupWarnsThatSighupIsIgnoredAndAdminReloadDoesTheReload_issue14() throws Exception {
        int admin = freePort();
        Path file = localConfig(0, admin, "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of(), List.of("nohup"),
                GatewayProcess.TEST_JVM_OPTIONS)) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            assertThat(gw.output()).contains("WARN").contains("SIGHUP is ignored by this process")
                    .contains("POST /admin/reload");
            gw.signal("HUP"); // ignored: neither a reload nor an exit
            Files.writeString(file, Files.readString(file).replace("\"maxPerHour\": 100", "\"maxPerHour\": 7"));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + admin + "/admin/reload"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(20)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"applied\":[\"rateLimits.maxPerHour\"]");
            gw.awaitLog("applied \\[rateLimits\\.maxPerHour]", Duration.ofSeconds(10));
            assertThat(gw.count("received SIGHUP")).isZero();

            Files.writeString(file, "{\"rateLimits\": {\"maxPerHour\": 0}}");
            r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + admin + "/admin/reload"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(20)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).contains("rateLimits.maxPerHour");
            assertThat(gw.process().isAlive()).isTrue();
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).isZero();
        }
    }

    @Test
    void healthcheckExitsZeroAgainstARunningGatewayAndOneOnceStopped() throws Exception {
        localConfig(0, freePort(), "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            GatewayProcess.Result up = GatewayProcess.run(dir, Map.of(), "healthcheck");
            assertThat(up.exitCode()).as(up.output()).isZero();
            assertThat(up.output()).contains("ok: http://127.0.0.1:");
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).isZero();
        }
        GatewayProcess.Result down = GatewayProcess.run(dir, Map.of(), "healthcheck");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.output()).contains("connection refused");
    }

    @Test
    void sigintStopsGracefullyToo() throws Exception {
        localConfig(0, 0, "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            gw.signal("INT");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
            assertThat(gw.output()).contains("received SIGINT");
        }
    }

    @Test
    void secondSigtermDuringTheGracePeriodExitsAtOnce() throws Exception {
        localConfig(0, 0, ", \"smtp\": {\"shutdownGraceSec\": 120}");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            int port = LocalDeliveryProcessIT.smtpPort(gw);
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            // a client in the middle of a transaction holds the graceful stop for up to 120 s
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.US_ASCII));
                Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.US_ASCII);
                assertThat(in.readLine()).startsWith("220");
                out.write("HELO client.test\r\n");
                out.flush();
                assertThat(in.readLine()).startsWith("250");
                out.write("MAIL FROM:<a@example.com>\r\n");
                out.flush();
                assertThat(in.readLine()).startsWith("250");

                gw.signal("TERM");
                gw.awaitLog("received SIGTERM: stopping", Duration.ofSeconds(10));
                assertThat(gw.process().isAlive()).as("waiting for the open transaction").isTrue();
                gw.signal("TERM");
                assertThat(gw.waitForExit(Duration.ofSeconds(20))).as(gw.output()).isEqualTo(128 + 15);
                assertThat(gw.output()).contains("received SIGTERM again: exiting at once");
            }
        }
    }

    @Test
    void portInUseExitsOneNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            localConfig(0, taken.getLocalPort(), "");
            try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
                assertThat(gw.waitForExit(GatewayProcess.START_TIMEOUT)).as(gw.output()).isEqualTo(1);
                assertThat(gw.output()).contains("cannot start")
                        .contains("127.0.0.1:" + taken.getLocalPort()).doesNotContain("\tat ");
            }
        }
    }

    @Test
    void secondGatewayOnTheSameSpoolExitsOneWithoutAStackTrace() throws Exception {
        localConfig(0, 0, "");
        try (GatewayProcess first = GatewayProcess.start(dir, Map.of())) {
            first.awaitLog("started", GatewayProcess.START_TIMEOUT);
            try (GatewayProcess second = GatewayProcess.start(dir, Map.of())) {
                assertThat(second.waitForExit(GatewayProcess.START_TIMEOUT)).as(second.output()).isEqualTo(1);
                assertThat(second.output()).contains("cannot start").contains("in use")
                        .doesNotContain("\tat ");
            }
        }
    }

    @Test
    void healthcheckExitsOneAgainstAStoppedGateway() throws Exception {
        localConfig(freePort(), freePort(), "");
        GatewayProcess.Result r = GatewayProcess.run(dir, Map.of(), "healthcheck");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).contains("unhealthy").contains("connection refused");
    }
}
