package dev.mailgateway.core.util;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link OutOfMemoryError} ends the process: the spool guarantees that nothing acknowledged
 * is lost, and a JVM past an OOM is in an unknown state (a connection that merely logged it
 * would leave the gateway limping). The Docker image passes {@code -XX:+ExitOnOutOfMemoryError};
 * for a plain {@code java -jar} start the launcher installs {@link #installDefaultHandler()}, and
 * the places that catch {@code Throwable} (Netty's pipeline hands errors to
 * {@code exceptionCaught}, the spool writer's loop) call {@link #haltOnOutOfMemory}.
 *
 * <p>Thread-safe; halting skips shutdown hooks on purpose (they would need memory too), so the
 * last log line would stay in an asynchronous appender's queue: {@link #halt(int)} runs the
 * {@link #beforeHalt} hook first, where the launcher drains the logs.
 */
public final class FatalErrors {

    /** The exit status after an OutOfMemoryError (the JVM's own ExitOnOutOfMemoryError uses 3 too). */
    public static final int OUT_OF_MEMORY_EXIT = 3;

    private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);
    private static volatile boolean halting;
    private static volatile Runnable beforeHalt = () -> { };

    private FatalErrors() {
    }

    /** Halts the process with one ERROR line when {@code t} is or was caused by an OutOfMemoryError. */
    public static void haltOnOutOfMemory(Throwable t, String where) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                halt(oom, where);
            }
            if (c.getCause() == c) {
                break;
            }
        }
    }

    /**
     * What {@link #halt(int)} runs before halting: the launcher drains the asynchronous log
     * appender here (bounded by the appender's flush time), so the line saying why is not lost.
     */
    public static void beforeHalt(Runnable drain) {
        beforeHalt = drain;
    }

    /** Ends the process at once with {@code status} (no shutdown hooks), after {@link #beforeHalt}. */
    public static void halt(int status) {
        try {
            beforeHalt.run();
        } catch (Throwable ignored) {
            // halting regardless: the hook is only there to save the last log line
        }
        Runtime.getRuntime().halt(status);
    }

    /** Every thread's uncaught OutOfMemoryError halts the process (other errors keep the default handling). */
    public static void installDefaultHandler() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            haltOnOutOfMemory(e, "thread " + thread.getName());
            if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
    }

    private static void halt(OutOfMemoryError oom, String where) {
        if (!halting) {
            halting = true;
            String line = "FATAL: java.lang.OutOfMemoryError (" + oom.getMessage() + ") in " + where
                    + "; ending the process (acknowledged mail is in the spool and is delivered after a restart)";
            try {
                log.error(line);
            } catch (Throwable ignored) {
                System.err.println(line); // logging itself may need memory
            }
        }
        halt(OUT_OF_MEMORY_EXIT);
    }
}
