package dev.mailgateway.server;

import static dev.mailgateway.server.GatewayProcessIT.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar with forwarding off, as a new user runs it: mail sent over a real socket ends up as
 * {@code emails/local/<queue-id>.eml}; SIGTERM keeps it durable; SIGHUP changes a rate limit
 * the SMTP server enforces; the healthcheck sub-command sees the running gateway.
 */
class LocalDeliveryProcessIT {

    @TempDir
    Path dir;

    private Path config(int smtpPort, int adminPort, String extra) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, """
                {
                  "smtpPort": %d, "healthCheckPort": %d, "emailsDir": "emails",
                  "forwardSMTP": false,
                  "security": {"requireAuth": false, "allowLocalOnly": true}%s
                }""".formatted(smtpPort, adminPort, extra));
        return file;
    }

    static int smtpPort(GatewayProcess gw) {
        return Integer.parseInt(gw.awaitLog("SMTP listening on [^ ]+:(\\d+)", GatewayProcess.START_TIMEOUT)
                .group(1));
    }

    /** The .eml files under emails/local whose content contains {@code text}. */
    private List<Path> emlContaining(String text) {
        Path local = dir.resolve("emails").resolve("local");
        if (!Files.isDirectory(local)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(local)) {
            return files.filter(p -> p.toString().endsWith(".eml"))
                    .filter(p -> read(p).contains(text)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // being written
        }
    }

    @Test
    void acceptedMessageIsWrittenAsEmlUnderEmailsLocal() throws Exception {
        config(0, freePort(), "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            int port = smtpPort(gw);
            SmtpClient.send(port, "first mail");
            GatewayProcess.await("the .eml of 'first mail' under emails/local", Duration.ofSeconds(20),
                    () -> !emlContaining("Subject: first mail").isEmpty());
            Path eml = emlContaining("Subject: first mail").get(0);
            assertThat(eml.getFileName().toString()).matches("[0-9A-HJKMNP-TV-Z]{16}\\.eml");
            String content = read(eml);
            assertThat(content).startsWith("Received: ")
                    .contains(eml.getFileName().toString().replace(".eml", ""))
                    .contains("hello from the gateway's process-level test");

            // the healthcheck sub-command, with the same config, sees it running
            GatewayProcess.Result health = GatewayProcess.run(dir, Map.of(), "healthcheck");
            assertThat(health.exitCode()).as(health.output()).isZero();

            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
        }
        GatewayProcess.Result stopped = GatewayProcess.run(dir, Map.of(), "healthcheck");
        assertThat(stopped.exitCode()).isEqualTo(1);
    }

    @Test
    void sigtermKeepsAcknowledgedMailDurableForTheNextStart() throws Exception {
        // forwarding to a closed port: the message stays in the spool (deferred)
        int closed = freePort();
        Files.writeString(dir.resolve("config.json"), """
                {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "emails",
                 "forwardSMTP": true, "forwardHost": "127.0.0.1", "forwardPort": %d,
                 "retry": {"initialDelayMs": 60000, "maxDelayMs": 60000},
                 "security": {"requireAuth": false, "allowLocalOnly": true}}""".formatted(closed));
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            SmtpClient.send(smtpPort(gw), "survives sigterm");
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
        }
        assertThat(emlContaining("Subject: survives sigterm")).isEmpty();

        // restart with local delivery: the recovered message is delivered
        config(0, 0, "");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("spool: 1 recovered message", GatewayProcess.START_TIMEOUT);
            GatewayProcess.await("the recovered message under emails/local", Duration.ofSeconds(20),
                    () -> !emlContaining("Subject: survives sigterm").isEmpty());
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).isZero();
        }
    }

    @Test
    void sighupRaisesARateLimitTheSmtpServerEnforces() throws Exception {
        Path file = config(0, 0, """
                , "rateLimits": {"enabled": true, "maxPerHour": 2, "maxPerDay": 100,
                                 "globalMaxPerHour": 100, "globalMaxPerDay": 100}""");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            int port = smtpPort(gw);
            SmtpClient.send(port, "limited 1");
            SmtpClient.send(port, "limited 2");
            // RFC 5321 4.2.5 / spec section 4: over the limit is a temporary (4xx) refusal
            assertThatThrownBy(() -> SmtpClient.send(port, "limited 3"))
                    .isInstanceOf(MessagingException.class).hasStackTraceContaining("451");

            Files.writeString(file, Files.readString(file).replace("\"maxPerHour\": 2", "\"maxPerHour\": 50"));
            gw.signal("HUP");
            gw.awaitLog("applied \\[rateLimits\\.maxPerHour]", Duration.ofSeconds(10));
            SmtpClient.send(port, "limited 4");

            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).isZero();
        }
    }
}
