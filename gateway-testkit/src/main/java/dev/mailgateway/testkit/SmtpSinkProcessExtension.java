package dev.mailgateway.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts Postfix's {@code smtp-sink} ({@link SmtpSinkProcess}) on a free loopback port and stops
 * it by PID after each test; a test calling {@link #start} is skipped where smtp-sink is not
 * installed ({@code apt-get install -y postfix}; {@code .ci/run} installs it).
 */
public final class SmtpSinkProcessExtension extends CloseAfterEach {

    /** @param options extra smtp-sink options, e.g. "-8" (no 8BITMIME) or "-N" (no DSN) */
    public SmtpSinkProcess start(String... options) throws Exception {
        assumeTrue(SmtpSinkProcess.installed(), "smtp-sink not installed (apt-get install -y postfix)");
        Path logDir = add(new TempDir()).dir;
        return add(new SmtpSinkProcess(logDir, options));
    }

    /** A directory for smtp-sink's log, deleted after the test (the sink is closed first). */
    private static final class TempDir implements AutoCloseable {
        final Path dir;

        TempDir() throws java.io.IOException {
            dir = Files.createTempDirectory("smtp-sink-log");
        }

        @Override
        public void close() throws java.io.IOException {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
