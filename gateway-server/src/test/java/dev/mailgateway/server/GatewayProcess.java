package dev.mailgateway.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shaded gateway jar run as a child JVM (system property {@code gateway.jar}, set by the
 * failsafe configuration), its stdout and stderr going to a file in its working directory.
 */
final class GatewayProcess implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path log;

    private GatewayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static Path jar() {
        String jar = System.getProperty("gateway.jar");
        if (jar == null) {
            throw new IllegalStateException("system property gateway.jar is not set (run with mvn verify)");
        }
        return Path.of(jar);
    }

    static final List<String> TEST_JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts the jar in {@code workDir} with {@code env} added to this JVM's environment. */
    static GatewayProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        return start(workDir, env, TEST_JVM_OPTIONS, args);
    }

    /** As above with the given JVM options (e.g. the Docker image's JAVA_OPTS). */
    static GatewayProcess start(Path workDir, Map<String, String> env, List<String> jvmOptions,
                                String... args) throws IOException {
        return start(workDir, env, List.of(), jvmOptions, args);
    }

    /** As above, the java command run through {@code prefix} (e.g. {@code nohup}, which execs it). */
    static GatewayProcess start(Path workDir, Map<String, String> env, List<String> prefix,
                                List<String> jvmOptions, String... args) throws IOException {
        Path log = workDir.resolve("gateway-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command(jvmOptions, args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CONFIG_FILE");
        pb.environment().putAll(env);
        return new GatewayProcess(pb.start(), log);
    }

    /** Runs the jar to completion (bounded) and returns exit code and combined output. */
    static Result run(Path workDir, Map<String, String> env, String... args) throws Exception {
        try (GatewayProcess p = start(workDir, env, args)) {
            int code = p.waitForExit(Duration.ofSeconds(30));
            return new Result(code, p.output());
        }
    }

    record Result(int exitCode, String output) {
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits for the first match of {@code regex} in the output; fails with the output on time-out or exit. */
    Matcher awaitLog(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String out = output();
            Matcher m = p.matcher(out);
            if (m.find()) {
                return m;
            }
            if (!process.isAlive()) {
                // one last read: the process may have written its last line just before exiting
                m = p.matcher(output());
                if (m.find()) {
                    return m;
                }
                throw new AssertionError("gateway exited with " + process.exitValue()
                        + " before logging /" + regex + "/; output:\n" + out);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no /" + regex + "/ within " + timeout + "; output:\n" + out);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Counts matches of {@code regex} in the output so far. */
    int count(String regex) {
        Matcher m = Pattern.compile(regex).matcher(output());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Sends a signal by name (TERM, HUP, INT, KILL) with kill(1). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + pid() + " failed");
        }
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("gateway did not exit within " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Polls {@code condition} until true or the deadline; fails with {@code what}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true within " + timeout + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
