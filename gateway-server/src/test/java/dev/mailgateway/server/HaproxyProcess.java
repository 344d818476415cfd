package dev.mailgateway.server;

import dev.mailgateway.testkit.RedisServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code haproxy} (Debian package haproxy; .ci/run installs it) in front of SMTP
 * gateways: mode tcp, round robin, {@code send-proxy-v2}, and an SMTP health check that sends
 * a PROXY v2 LOCAL header first ({@code check-send-proxy}), as docs/scale-out.md recommends.
 * Runs in the foreground ({@code -db}); stopped by its PID.
 */
final class HaproxyProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private HaproxyProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The configuration for a frontend on 127.0.0.1:{@code port} and the gateways' SMTP ports. */
    static String config(int port, List<Integer> backends) {
        StringBuilder sb = new StringBuilder("""
                global
                    maxconn 2000
                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 60s
                    timeout server 60s
                frontend smtp
                    bind 127.0.0.1:%d
                    default_backend gateways
                backend gateways
                    balance roundrobin
                    option smtpchk EHLO haproxy.check
                """.formatted(port));
        for (int i = 0; i < backends.size(); i++) {
            sb.append("    server gw").append(i + 1).append(" 127.0.0.1:").append(backends.get(i))
                    .append(" send-proxy-v2 check check-send-proxy inter 1s\n");
        }
        return sb.toString();
    }

    static HaproxyProcess start(Path dir, List<Integer> backends) throws IOException, InterruptedException {
        int port = RedisServerProcess.Binaries.freePort();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config(port, backends), StandardCharsets.UTF_8);
        Path log = dir.resolve("haproxy.log");
        Process p = new ProcessBuilder(RedisServerProcess.Binaries.find("haproxy").toString(), "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HaproxyProcess h = new HaproxyProcess(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return h;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    h.close();
                    throw new IOException("haproxy did not listen on " + port + ": " + h.output(), e);
                }
                Thread.sleep(50);
            }
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: haproxy stops at once
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
