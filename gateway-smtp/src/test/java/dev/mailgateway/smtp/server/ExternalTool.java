package dev.mailgateway.smtp.server;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real command-line client (swaks, curl) with a bounded wait; the process is always destroyed. */
final class ExternalTool {

    record Run(int exit, String output) {
    }

    private ExternalTool() {
    }

    /** True when {@code name} is an executable on PATH (tests skip with an assumption otherwise). */
    static boolean installed(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command}, stdout and stderr merged, killed after {@code timeoutSec}. */
    static Run run(List<String> command, int timeoutSec) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
                throw new AssertionError(command.get(0) + " did not finish within " + timeoutSec + " s: "
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }
}
