package dev.mailgateway.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian package redis-server; .ci/run installs it) on a free
 * loopback port, no persistence, stopped by its PID. {@link #command} is a minimal RESP client
 * for assertions (MEMORY USAGE, KEYS, TTL...).
 */
public final class RedisServerProcess implements AutoCloseable {

    private final Path binary;
    private final int port;
    private Process process;

    private RedisServerProcess(Path binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    /** Starts on a free 127.0.0.1 port; fails (never skips) when redis-server is not installed. */
    public static RedisServerProcess start() throws IOException, InterruptedException {
        RedisServerProcess r = new RedisServerProcess(Binaries.find("redis-server"), Binaries.freePort());
        r.startAgain();
        return r;
    }

    /** Starts (again) on the same port, waiting until it answers PING (bounded: 10 s). */
    public void startAgain() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server already running");
        }
        process = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                "--enable-debug-command", "local") // DEBUG SLEEP: a slow Redis
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    stop();
                    throw new IOException("redis-server did not answer on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public long pid() {
        return process.pid();
    }

    /** Stops the server (SIGKILL by PID, like a crash) and waits for it to exit. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** Sends one command and returns the reply: String, Long, List or null; an error reply throws. */
    public Object command(String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                req.writeBytes(b);
                req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(req.toByteArray());
            out.flush();
            return read(new BufferedInputStream(s.getInputStream()));
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IOException("redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n + 2);
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(read(in));
                }
                return list;
            }
            default:
                throw new IOException("unexpected RESP type " + type);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\r') {
                in.read();
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Locating Debian-installed binaries and free ports. */
    public static final class Binaries {
        private Binaries() {
        }

        public static Path find(String name) {
            List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
            dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin"));
            for (String d : dirs) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                    return Path.of(d, name);
                }
            }
            throw new IllegalStateException(name + " is not installed: apt-get install -y "
                    + (name.equals("haproxy") ? "haproxy" : "redis-server") + " (.ci/run does this)");
        }

        public static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                return s.getLocalPort();
            }
        }
    }
}
