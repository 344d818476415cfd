package dev.mailgateway.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Postfix's {@code smtp-sink} (Debian package postfix) as a real upstream: started on a free
 * loopback port, each transaction dumped to a file ({@code -d}, with its X-Mail-Args and
 * X-Rcpt-Args records), stopped by PID in {@link #close()}. {@link SmtpSinkProcessExtension}
 * starts one per call (skipping the test where smtp-sink is not installed) and stops it after.
 */
public final class SmtpSinkProcess implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/smtp-sink");

    public final int port;
    public final Path dumpDir;
    private final Process process;
    private final Path log;

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** @param options extra smtp-sink options, e.g. "-8" (no 8BITMIME) or "-N" (no DSN) */
    public SmtpSinkProcess(Path dir, String... options) throws Exception {
        // its own directory under /tmp: smtp-sink may run as nobody and the JUnit dir is private
        this.dumpDir = Files.createTempDirectory("smtp-sink-dump");
        Files.setPosixFilePermissions(dumpDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
        cmd.addAll(List.of(options));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "nobody")); // required when started as root
        }
        cmd.addAll(List.of("-h", "sink.test", "-d", dumpDir + "/%Y%m%d%H%M%S.", "127.0.0.1:" + port, "20"));
        this.log = dir.resolve("smtp-sink.log");
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                probe.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                break;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("smtp-sink did not listen on " + port + ": "
                            + Files.readString(log), e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The dumped transactions (each file one message with its X- records), oldest first. */
    public List<String> dumps() throws IOException {
        try (Stream<Path> files = Files.list(dumpDir)) {
            List<String> out = new ArrayList<>();
            for (Path p : files.sorted().toList()) {
                out.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            }
            return out;
        }
    }

    /** Waits (bounded) until smtp-sink has dumped a transaction; returns the first dump. */
    public String awaitFirstDump(Duration timeout) throws IOException {
        Await.until(() -> {
            try {
                return !dumps().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, timeout, () -> "smtp-sink dump");
        return dumps().get(0);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.list(dumpDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dumpDir);
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
