package dev.mailgateway.core.spool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running a {@code main} from the test classpath, for crash tests: its stdout is
 * collected line by line, {@link #kill()} sends SIGKILL ({@link Process#destroyForcibly()}).
 * Public so other modules' tests (the whole-gateway kill -9 test) can reuse it via the test-jar.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Thread reader;
    private final List<String> lines = new ArrayList<>(); // guarded by itself

    private ChildJvm(Process process) {
        this.process = process;
        this.reader = new Thread(this::readStdout, "child-jvm-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code mainClass} with this JVM's classpath. stderr goes to {@code stderrFile}
     * (so a chatty child can never block on a full pipe).
     */
    public static ChildJvm start(Class<?> mainClass, List<String> jvmArgs, Path stderrFile,
            String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()));
        return new ChildJvm(pb.start());
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the child died: what was read so far is all there is
        }
    }

    /**
     * Waits until at least {@code count} lines matching {@code filter} were printed, the child
     * exited, or {@code timeoutMs} passed. Returns how many matching lines there are.
     */
    public int awaitLines(Predicate<String> filter, int count, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lines) {
            while (true) {
                int n = (int) lines.stream().filter(filter).count();
                long left = deadline - System.nanoTime();
                if (n >= count || left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return n;
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** SIGKILL, then waits for the exit and for the rest of stdout (lines printed before death). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(10_000);
    }

    /** Every stdout line read so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
