package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, as the report that filed it: the jar with {@code -Xmx256m}, 64 clients sending a
 * 16 MB message each at the same time. Every client gets 250, the log has no
 * OutOfMemoryError, and every message arrives byte-exact (SHA-256): in {@code emails/local/}
 * and, in a second run, at an upstream on 127.0.0.1 (dot-stuffing undone by the upstream).
 */
class LargeMessagesProcessIT {

    private static final int CLIENTS = 64;
    private static final int MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final Duration RUN = Duration.ofMinutes(4);

    @TempDir
    Path dir;

    /** What a client sent, by test id: SHA-256 of the content from its "X-Test-Id" line on. */
    private final Map<Integer, String> sent = new ConcurrentHashMap<>();

    @Test
    void sixtyFourSixteenMegabyteMessagesAtOnceInto256MbOfHeapLocalDelivery() throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "emails", "forwardSMTP": false,
                 "security": {"requireAuth": false, "allowLocalOnly": true}}""");
        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            int port = LocalDeliveryProcessIT.smtpPort(gw);
            sendAll(port);
            Path local = dir.resolve("emails").resolve("local");
            GatewayProcess.await("64 .eml files", RUN, () -> emlCount(local) == CLIENTS);
            Map<Integer, String> stored = new ConcurrentHashMap<>();
            try (Stream<Path> files = Files.list(local)) {
                for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".eml"))::iterator) {
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
                        digestFromTestId(in, stored, false);
                    }
                }
            }
            assertThat(stored).isEqualTo(sent);
            assertThat(gw.output()).doesNotContain("java.lang.OutOfMemoryError");
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(60))).as(gw.output()).isZero();
        }
    }

    @Test
    void sixtyFourSixteenMegabyteMessagesAtOnceInto256MbOfHeapRelayed() throws Exception {
        try (ShaUpstream upstream = new ShaUpstream()) {
            Files.writeString(dir.resolve("config.json"), """
                    {"smtpPort": 0, "healthCheckPort": 0, "emailsDir": "emails",
                     "forwardSMTP": true, "forwardHost": "127.0.0.1", "forwardPort": %d,
                     "security": {"requireAuth": false, "allowLocalOnly": true}}""".formatted(upstream.port()));
            try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
                int port = LocalDeliveryProcessIT.smtpPort(gw);
                sendAll(port);
                GatewayProcess.await("64 messages at the upstream", RUN, () -> upstream.received.size() == CLIENTS);
                assertThat(upstream.received).isEqualTo(sent);
                assertThat(gw.output()).doesNotContain("java.lang.OutOfMemoryError");
                gw.signal("TERM");
                assertThat(gw.waitForExit(Duration.ofSeconds(60))).as(gw.output()).isZero();
            }
        }
    }

    private static long emlCount(Path local) {
        if (!Files.isDirectory(local)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(local)) {
            return files.filter(f -> f.toString().endsWith(".eml")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** 64 clients at once; each must get 250. */
    private void sendAll(int port) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                replies.add(pool.submit(() -> sendOne(port, n)));
            }
            for (Future<String> f : replies) {
                assertThat(f.get(RUN.toSeconds(), TimeUnit.SECONDS)).startsWith("250");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sends message {@code n} (16 MB of 100-octet lines, every ninth starting with a dot); returns the reply to it. */
    private String sendOne(int port, int n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            s.setSoTimeout((int) RUN.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            expect(in, "220");
            command(out, in, "EHLO client" + n + ".test", "250");
            command(out, in, "MAIL FROM:<app" + n + "@example.com> SIZE=" + MESSAGE_BYTES, "250");
            command(out, in, "RCPT TO:<user" + n + "@example.org>", "250");
            command(out, in, "DATA", "354");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] header = ("X-Test-Id: " + n + "\r\nSubject: large " + n + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            sha.update(header);
            out.write(header);
            byte[] line = new byte[100];
            long written = header.length;
            for (int i = 0; written < MESSAGE_BYTES; i++) {
                for (int j = 0; j < 98; j++) {
                    line[j] = (byte) ('a' + (n * 7 + i + j) % 26);
                }
                if (i % 9 == 0) {
                    line[0] = '.';
                    out.write('.'); // RFC 5321 4.5.2: stuffed on the wire, not stored
                }
                line[98] = '\r';
                line[99] = '\n';
                out.write(line);
                sha.update(line);
                written += line.length;
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            sent.put(n, HexFormat.of().formatHex(sha.digest()));
            String reply = readReply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply;
        }
    }

    private static void command(OutputStream out, InputStream in, String line, String expected) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, expected);
    }

    private static void expect(InputStream in, String prefix) throws IOException {
        String r = readReply(in);
        if (!r.startsWith(prefix)) {
            throw new IOException("expected " + prefix + ", got " + r);
        }
    }

    private static String readReply(InputStream in) throws IOException {
        for (;;) {
            String l = readLine(in);
            if (l == null) {
                throw new IOException("connection closed");
            }
            if (l.length() < 4 || l.charAt(3) != '-') {
                return l;
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            if (c == '\n' && prev == '\r') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return null;
    }

    /**
     * Reads a message (raw, or in DATA wire form when {@code wire}: unstuffed, up to the
     * terminator) and files the SHA-256 of everything from its "X-Test-Id:" line on.
     */
    static void digestFromTestId(InputStream in, Map<Integer, String> into, boolean wire) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Integer id = null;
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            line.write(c);
            if (c != '\n' || prev != '\r') {
                continue;
            }
            byte[] l = line.toByteArray();
            line.reset();
            if (wire && l.length == 3 && l[0] == '.') {
                break;
            }
            int skip = wire && l.length > 0 && l[0] == '.' ? 1 : 0;
            if (id == null) {
                String text = new String(l, StandardCharsets.ISO_8859_1);
                if (!text.startsWith("X-Test-Id: ")) {
                    continue; // the Received header the gateway put first
                }
                id = Integer.parseInt(text.substring(11).trim());
            }
            sha.update(l, skip, l.length - skip);
            prev = -1;
        }
        if (line.size() > 0 && id != null) {
            sha.update(line.toByteArray());
        }
        if (id != null) {
            into.put(id, HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** An upstream on 127.0.0.1 that keeps only a digest of each message: 1 GB never sits in the test's heap. */
    static final class ShaUpstream implements AutoCloseable {
        final Map<Integer, String> received = new ConcurrentHashMap<>();
        private final ServerSocket server;

        ShaUpstream() throws IOException {
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread c = new Thread(() -> serve(s), "sha-upstream-conn");
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "sha-upstream");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                s.setSoTimeout(120_000);
                InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
                OutputStream out = s.getOutputStream();
                out.write("220 sha.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                for (String l; (l = readLine(in)) != null; ) {
                    String u = l.toUpperCase(java.util.Locale.ROOT);
                    String reply;
                    if (u.startsWith("EHLO")) {
                        reply = "250-sha.test\r\n250-8BITMIME\r\n250 SIZE 100000000";
                    } else if (u.equals("DATA")) {
                        out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                        digestFromTestId(in, received, true);
                        reply = "250 2.0.0 Ok";
                    } else if (u.equals("QUIT")) {
                        out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                        return;
                    } else {
                        reply = "250 Ok";
                    }
                    out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (Exception e) {
                // the gateway closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
