package dev.mailgateway.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.spool.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An OutOfMemoryError ends the process with one clear line, also without -XX:+ExitOnOutOfMemoryError. */
class FatalErrorsTest {

    @TempDir
    Path dir;

    /** A child that installs the handler, then runs out of memory in a worker thread and in a catch site. */
    public static final class OomChild {
        public static void main(String[] args) throws Exception {
            FatalErrors.installDefaultHandler();
            System.out.println("STARTED");
            if (args[0].equals("caught")) {
                try {
                    throw new RuntimeException("wrapped", new OutOfMemoryError("Java heap space (test)"));
                } catch (RuntimeException e) {
                    FatalErrors.haltOnOutOfMemory(e, "a test catch site");
                }
            } else {
                Thread t = new Thread(() -> {
                    throw new OutOfMemoryError("Java heap space (test)");
                }, "worker");
                t.start();
                t.join();
            }
            Thread.sleep(5_000);
            System.out.println("STILL RUNNING");
            System.exit(0);
        }
    }

    private void endsTheProcess(String mode) throws Exception {
        Path err = dir.resolve(mode + ".err");
        try (ChildJvm child = ChildJvm.start(OomChild.class, List.of("-Xmx64m"), err, mode)) {
            assertThat(child.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.process().exitValue()).isEqualTo(FatalErrors.OUT_OF_MEMORY_EXIT);
            Thread.sleep(200); // the stdout reader drains what the child wrote before it halted
            String all = String.join("\n", child.lines()) + Files.readString(err);
            assertThat(all).doesNotContain("STILL RUNNING");
            assertThat(all).containsOnlyOnce("java.lang.OutOfMemoryError (Java heap space (test))")
                .contains("ending the process");
        }
    }

    @Test
    void uncaughtOutOfMemoryErrorInAThreadHaltsTheProcess() throws Exception {
        endsTheProcess("uncaught");
    }

    @Test
    void outOfMemoryErrorCaughtAndReportedHaltsTheProcess() throws Exception {
        endsTheProcess("caught");
    }
}
