package dev.mailgateway.server;

import static dev.mailgateway.server.DockerFilesTest.ROOT;
import static dev.mailgateway.server.DockerFilesTest.composeEnvironment;
import static dev.mailgateway.server.DockerFilesTest.jsonArray;
import static dev.mailgateway.server.DockerFilesTest.last;
import static dev.mailgateway.server.GatewayProcessIT.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's start-up rehearsed without a Docker engine: the jar runs with the image's
 * JAVA_OPTS, its CMD arguments (pointing at docker/config.json instead of /app/config.json) and
 * the compose file's environment, with only what must differ on a shared test machine replaced:
 * ports (free ones), paths (a temp dir), the upstream (GreenMail on 127.0.0.1 instead of
 * mailpit) and TLS (off: AUTH is offered in clear text to loopback peers only, and the test
 * connects over loopback). Then the image's HEALTHCHECK command runs against it.
 */
class DockerRehearsalProcessIT {

    @TempDir
    Path dir;

    private static List<String> imageJavaOpts() throws Exception {
        Matcher m = Pattern.compile("ENV JAVA_OPTS=\"([^\"]*)\"").matcher(DockerFilesTest.read("docker/Dockerfile"));
        assertThat(m.find()).isTrue();
        return Arrays.asList(m.group(1).split("\\s+"));
    }

    /** The image's CMD / HEALTHCHECK arguments after the jar, /app/config.json → docker/config.json. */
    private static String[] argsAfterJar(List<String> command) {
        int jar = command.indexOf("/app/mail-gateway.jar");
        assertThat(jar).isNotNegative();
        return replaceConfig(command.subList(jar + 1, command.size()));
    }

    private static String[] replaceConfig(List<String> args) {
        return args.stream()
                .map(a -> a.equals("/app/config.json") ? ROOT.resolve("docker/config.json").toString() : a)
                .toArray(String[]::new);
    }

    @Test
    void containerConfigWithComposeEnvironmentRelaysAndPassesTheImageHealthcheck() throws Exception {
        GreenMail upstream = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        upstream.start();
        try {
            Map<String, String> compose = composeEnvironment("gateway");
            Map<String, String> env = new HashMap<>(compose);
            env.remove("JAVA_OPTS");
            int smtpPort = freePort();
            env.put("SMTP_PORT", Integer.toString(smtpPort));
            int adminPort = freePort();
            env.put("HEALTH_CHECK_PORT", Integer.toString(adminPort));
            env.put("EMAILS_DIR", dir.resolve("emails").toString());
            env.put("FORWARD_HOST", "127.0.0.1");
            env.put("FORWARD_PORT", Integer.toString(upstream.getSmtp().getPort()));
            env.put("TLS_CERT_FILE", "");
            env.put("TLS_KEY_FILE", "");
            // the test may only talk to 127.0.0.1: listen there instead of 0.0.0.0
            env.put("SMTP_HOST", "127.0.0.1");
            env.put("SECURITY_ALLOWED_NETWORKS", compose.get("SECURITY_ALLOWED_NETWORKS") + ",127.0.0.0/8");

            List<String> cmd = new ArrayList<>(jsonArray(last("CMD")));
            List<String> jvm = new ArrayList<>(imageJavaOpts());
            jvm.add("-Xmx256m"); // a test machine is no container: cap the heap explicitly
            try (GatewayProcess gw = GatewayProcess.start(dir, env, jvm, replaceConfig(cmd))) {
                gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
                assertThat(gw.output()).contains("forward to 127.0.0.1:" + upstream.getSmtp().getPort());

                Session session = SmtpClient.session(smtpPort);
                session.getProperties().put("mail.smtp.auth", "true");
                MimeMessage m = SmtpClient.message(session, "via the container config", null, null);
                try (Transport t = session.getTransport("smtp")) {
                    t.connect(compose.get("DEFAULT_USERNAME"), compose.get("DEFAULT_PASSWORD"));
                    t.sendMessage(m, m.getAllRecipients());
                }
                assertThat(upstream.waitForIncomingEmail(20_000, 1)).isTrue();
                assertThat(upstream.getReceivedMessages()[0].getSubject()).isEqualTo("via the container config");

                // the compose file's ADMIN_TOKEN guards /admin/* (and only that)
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                URI failed = URI.create("http://127.0.0.1:" + adminPort + "/admin/failed");
                HttpRequest.Builder get = HttpRequest.newBuilder(failed).timeout(Duration.ofSeconds(10));
                assertThat(http.send(get.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
                assertThat(http.send(get.header("Authorization", "Bearer " + compose.get("ADMIN_TOKEN")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

                // the image's HEALTHCHECK command, same environment (ADMIN_HOST=0.0.0.0 → probed on loopback)
                String hc = last("HEALTHCHECK");
                List<String> probe = jsonArray(hc.substring(hc.indexOf("CMD ") + 4));
                List<String> probeJvm = probe.subList(1, probe.indexOf("-jar"));
                try (GatewayProcess check = GatewayProcess.start(dir, env, probeJvm, argsAfterJar(probe))) {
                    assertThat(check.waitForExit(Duration.ofSeconds(30))).as(check.output()).isZero();
                }

                gw.signal("TERM");
                assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
            }
        } finally {
            upstream.stop();
        }
    }
}
