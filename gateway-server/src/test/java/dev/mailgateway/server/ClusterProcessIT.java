package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.RedisServerExtension;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-out topology with real processes on loopback: a redis-server, HAProxy (mode tcp,
 * send-proxy-v2, SMTP check with check-send-proxy) and two gateway jars with
 * smtp.proxyProtocol and rateLimits.redis. Clients connect to HAProxy from 127.0.0.2/.3.
 * One cluster for the class; the tests run in order (the Redis outage is last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessIT {

    private static final int GLOBAL_PER_HOUR = 100;
    private static final int PER_SENDER_PER_HOUR = 20;

    @TempDir
    static Path dir;
    @RegisterExtension
    static final RedisServerExtension redisServer = new RedisServerExtension(); // started first, stopped last
    private static final List<GatewayProcess> gateways = new ArrayList<>();
    private static final List<Integer> adminPorts = new ArrayList<>();
    private static HaproxyProcess haproxy;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startCluster() throws Exception {
        List<Integer> smtpPorts = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            Path node = Files.createDirectories(dir.resolve("node" + i));
            int smtp = GatewayProcessIT.freePort();
            int admin = GatewayProcessIT.freePort();
            Files.writeString(node.resolve("config.json"), """
                    {"smtpHost": "127.0.0.1", "smtpPort": %d, "healthCheckPort": %d, "emailsDir": "emails",
                     "forwardSMTP": false,
                     "smtp": {"hostname": "gw%d.test", "proxyProtocol": true, "proxyTrustedNetworks": ["127.0.0.1/32"]},
                     "limits": {"maxConnectionsPerIp": 2},
                     "security": {"requireAuth": false, "allowLocalOnly": true},
                     "rateLimits": {"enabled": true, "maxPerHour": %d, "maxPerDay": 100000,
                                    "globalMaxPerHour": %d, "globalMaxPerDay": 100000,
                                    "redis": {"uri": "%s", "timeoutMs": 300, "onError": "local"}}}"""
                    .formatted(smtp, admin, i, PER_SENDER_PER_HOUR, GLOBAL_PER_HOUR, redisServer.server().uri()));
            GatewayProcess gw = GatewayProcess.start(node, Map.of());
            gateways.add(gw);
            smtpPorts.add(smtp);
            adminPorts.add(admin);
        }
        for (GatewayProcess gw : gateways) {
            gw.awaitLog("SMTP listening on", GatewayProcess.START_TIMEOUT);
            gw.awaitLog("rate limits: connected to Redis", GatewayProcess.START_TIMEOUT);
        }
        haproxy = HaproxyProcess.start(dir, smtpPorts);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        for (GatewayProcess gw : gateways) {
            gw.close();
        }
    }

    /** A line-by-line SMTP client bound to a source address, connected to HAProxy. */
    static final class Client implements Closeable {
        private final Socket socket = new Socket();
        private final BufferedReader in;
        private final OutputStream out;

        Client(String source, int port) throws IOException {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        /** The next complete reply (last line), or "" when the server closed the connection. */
        String reply() throws IOException {
            String last = "";
            for (String line; (line = in.readLine()) != null; ) {
                last = line;
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return last;
                }
            }
            return last;
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return reply();
        }

        /** One message; returns the MAIL FROM reply when it is not 250, else the final reply. */
        String message(String from, String subject) throws IOException {
            String mail = command("MAIL FROM:<" + from + ">");
            if (!mail.startsWith("250")) {
                return mail;
            }
            assertThat(command("RCPT TO:<user@example.org>")).startsWith("250");
            assertThat(command("DATA")).startsWith("354");
            return command("Subject: " + subject + "\r\n\r\nscale-out test\r\n.");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static Client greeted(String source) throws IOException {
        Client c = new Client(source, haproxy.port());
        assertThat(c.reply()).startsWith("220 gw");
        assertThat(c.command("EHLO client.example")).startsWith("250 ");
        return c;
    }

    private static HttpResponse<String> health(int node) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts.get(node) + "/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> emlFiles() throws IOException {
        List<String> all = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            Path local = dir.resolve("node" + i).resolve("emails").resolve("local");
            if (Files.isDirectory(local)) {
                try (Stream<Path> s = Files.list(local)) {
                    for (Path p : s.filter(f -> f.toString().endsWith(".eml")).toList()) {
                        all.add(Files.readString(p, StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
        return all;
    }

    @Test
    @Order(1)
    void aClientFrom127_0_0_2IsSeenAs127_0_0_2InReceivedAndLogs() throws Exception {
        awaitConnectionsClosed();
        try (Client c = greeted("127.0.0.2")) {
            assertThat(c.message("ip@example.com", "from dot two")).startsWith("250 2.0.0");
        }
        GatewayProcess.await("the message delivered locally", Duration.ofSeconds(20), () -> {
            try {
                return emlFiles().stream().anyMatch(e -> e.contains("Subject: from dot two"));
            } catch (IOException e) {
                return false;
            }
        });
        String eml = emlFiles().stream().filter(e -> e.contains("Subject: from dot two")).findFirst().orElseThrow();
        assertThat(eml).startsWith("Received: from client.example ([127.0.0.2])");
        // the log line goes through an async appender and the child's stdout: wait for it (bounded)
        GatewayProcess.await("the queued line naming 127.0.0.2", Duration.ofSeconds(20), () ->
                (gateways.get(0).output() + gateways.get(1).output()).contains("client=127.0.0.2 from=ip@example.com"));
        assertThat(gateways.get(0).output() + gateways.get(1).output())
                .contains("client=127.0.0.2 from=ip@example.com");
    }

    @Test
    @Order(2)
    void thePerIpConnectionLimitCountsTheClientNotHaproxy() throws Exception {
        // limits.maxConnectionsPerIp 2 on each node: five connections from 127.0.0.2 over two
        // nodes put at least three on one node, so at least one is refused; 127.0.0.3 is still
        // admitted although every connection comes from HAProxy's 127.0.0.1
        awaitConnectionsClosed();
        List<Client> open = new ArrayList<>();
        try {
            int greeted = 0;
            int refused = 0;
            for (int i = 0; i < 5; i++) {
                Client c = new Client("127.0.0.2", haproxy.port());
                open.add(c);
                String r = c.reply();
                if (r.startsWith("220")) {
                    greeted++;
                } else {
                    assertThat(r).startsWith("421 4.7.0");
                    refused++;
                }
            }
            assertThat(greeted).isBetween(2, 4);
            assertThat(refused).isBetween(1, 3);
            Client other = new Client("127.0.0.3", haproxy.port());
            open.add(other);
            assertThat(other.reply()).startsWith("220 gw");
            assertThat(gateways.get(0).output() + gateways.get(1).output())
                    .contains("refused /127.0.0.2: limits.maxConnectionsPerIp reached");
        } finally {
            for (Client c : open) {
                c.close();
            }
        }
    }

    /** Sends {@code total} messages over connections of {@code perConnection} each; counts the replies. */
    private static int[] send(int total, int perConnection, java.util.function.IntFunction<String> sender)
            throws IOException {
        int accepted = 0;
        int limited = 0;
        int sent = 0;
        int connection = 0;
        while (sent < total) {
            try (Client c = greeted(connection++ % 2 == 0 ? "127.0.0.2" : "127.0.0.3")) {
                for (int i = 0; i < perConnection && sent < total; i++, sent++) {
                    String r = c.message(sender.apply(sent), "n" + sent);
                    if (r.startsWith("250 2.0.0")) {
                        accepted++;
                    } else {
                        assertThat(r).startsWith("451 4.7.1 Rate limit exceeded");
                        limited++;
                    }
                }
                c.command("QUIT");
            }
        }
        return new int[] {accepted, limited};
    }

    /** Until both nodes have no SMTP connection open (the previous test's are closing). */
    private static void awaitConnectionsClosed() {
        GatewayProcess.await("no SMTP connection open on either node", Duration.ofSeconds(20), () -> {
            try {
                for (int node = 0; node < 2; node++) {
                    HttpResponse<String> m = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + adminPorts.get(node) + "/metrics"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (!m.body().replace(" ", "").contains("\"open_connections\":0")) {
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    @Order(3)
    void perSenderLimitIsSharedAcrossBothGateways() throws Exception {
        awaitConnectionsClosed();
        redisServer.server().command("FLUSHALL");
        int before0 = gateways.get(0).count("queued id=");
        int before1 = gateways.get(1).count("queued id=");
        int[] r = send(2 * PER_SENDER_PER_HOUR, 4, n -> "same.sender@example.com");
        assertThat(r[0]).as("accepted").isEqualTo(PER_SENDER_PER_HOUR);
        assertThat(r[1]).as("451 4.7.1").isEqualTo(PER_SENDER_PER_HOUR);
        assertThat(gateways.get(0).count("queued id=") - before0).as("node 1 took part").isPositive();
        assertThat(gateways.get(1).count("queued id=") - before1).as("node 2 took part").isPositive();
    }

    @Test
    @Order(4)
    void globalLimitOf100IsSharedAcrossBothGateways() throws Exception {
        awaitConnectionsClosed();
        redisServer.server().command("FLUSHALL");
        int before0 = gateways.get(0).count("queued id=");
        int before1 = gateways.get(1).count("queued id=");
        int[] r = send(GLOBAL_PER_HOUR + 30, 10, n -> "sender" + n + "@example.com");
        assertThat(r[0]).as("accepted in total").isEqualTo(GLOBAL_PER_HOUR);
        assertThat(r[1]).as("refused with 451 4.7.1").isEqualTo(30);
        int node1 = gateways.get(0).count("queued id=") - before0;
        int node2 = gateways.get(1).count("queued id=") - before1;
        assertThat(node1 + node2).isEqualTo(GLOBAL_PER_HOUR);
        assertThat(node1).as("each node alone would have taken 100").isBetween(1, GLOBAL_PER_HOUR - 1);
    }

    @Test
    @Order(5)
    void redisStoppedMidRunMailFlowsUnderTheFallbackAndHealthSaysSo() throws Exception {
        awaitConnectionsClosed();
        redisServer.server().command("FLUSHALL");
        assertThat(health(0).statusCode()).isEqualTo(200);
        redisServer.server().stop();
        // onError=local: each node's own windows (which also hold the messages counted so far)
        int[] during = send(6, 3, n -> "outage" + n + "@example.com");
        assertThat(during[0]).as("accepted while Redis is down").isEqualTo(6);
        for (int node = 0; node < 2; node++) {
            int n = node;
            GatewayProcess.await("node " + (n + 1) + " /health degraded", Duration.ofSeconds(20), () -> {
                try {
                    HttpResponse<String> h = health(n);
                    return h.statusCode() == 503 && h.body().contains("\"degraded\"") && h.body().contains("Redis");
                } catch (Exception e) {
                    return false;
                }
            });
        }
        assertThat(gateways.get(0).output() + gateways.get(1).output())
                .contains("applying rateLimits.redis.onError=local until it is back");

        redisServer.server().startAgain();
        for (int node = 0; node < 2; node++) {
            int n = node;
            GatewayProcess.await("node " + (n + 1) + " /health ok again", Duration.ofSeconds(30), () -> {
                try {
                    return health(n).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        int[] after = send(4, 2, n -> "after" + n + "@example.com");
        assertThat(after[0]).isEqualTo(4);
        // shared counting resumed: the fresh Redis holds exactly these four in the global hour
        @SuppressWarnings("unchecked")
        List<String> buckets = (List<String>) redisServer.server().command("HVALS", "mail-gateway:rl:g:h");
        assertThat(buckets.stream().mapToLong(Long::parseLong).sum()).isEqualTo(4);
    }
}
