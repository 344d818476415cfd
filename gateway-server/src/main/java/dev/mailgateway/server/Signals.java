package dev.mailgateway.server;

import dev.mailgateway.core.util.FatalErrors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Installs the process signal handlers (sun.misc.Signal, jdk.unsupported).
 *
 * <ul>
 *   <li>TERM / INT, first time: {@code stop} runs on a new "shutdown" thread (graceful stop;
 *       the launcher exits 0 when it returns).
 *   <li>TERM / INT again while stopping: {@link Runtime#halt} at once (128 + signal number),
 *       for an operator who will not wait for the grace period.
 *   <li>HUP: {@code reload} runs on the signal's own thread.
 * </ul>
 * A signal the JVM will not let us handle (e.g. under {@code -Xrs}) is logged; TERM/INT then
 * fall back to the JVM's default of running shutdown hooks, which the launcher also installs.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Runnable stop;
    private final Runnable reload;

    private Signals(Runnable stop, Runnable reload) {
        this.stop = stop;
        this.reload = reload;
    }

    static Signals install(Runnable stop, Runnable reload) {
        Signals s = new Signals(stop, reload);
        s.handle("TERM", s::onStopSignal);
        s.handle("INT", s::onStopSignal);
        s.handle("HUP", s::onReloadSignal);
        return s;
    }

    /** True once a stop was requested (by a signal or {@link #markStopping()}). */
    boolean markStopping() {
        return stopping.compareAndSet(false, true);
    }

    private void handle(String name, sun.misc.SignalHandler handler) {
        try {
            sun.misc.SignalHandler previous = Signal.handle(new Signal(name), handler);
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                // HotSpot installs no handler for a signal the process inherited as ignored
                // (nohup does that to HUP; a shell's background job to INT)
                log.warn(ignoredMessage(name));
            }
        } catch (IllegalArgumentException e) {
            log.warn("cannot handle SIG{} ({}); using the JVM's default", name, e.getMessage());
        }
    }

    static String ignoredMessage(String name) {
        return "SIG" + name + " is ignored by this process (inherited, e.g. from nohup), so the JVM "
                + "installs no handler: " + (name.equals("HUP")
                ? "reload by signal is unavailable; use POST /admin/reload on the admin API instead"
                : "SIG" + name + " does not stop the gateway; use SIGTERM");
    }

    private void onStopSignal(Signal signal) {
        if (markStopping()) {
            log.info("received SIG{}: stopping (send it again to exit at once)", signal.getName());
            Thread t = new Thread(stop, "shutdown");
            t.start();
        } else {
            log.warn("received SIG{} again: exiting at once", signal.getName());
            FatalErrors.halt(128 + signal.getNumber()); // drains the log first: this line is not lost
        }
    }

    private void onReloadSignal(Signal signal) {
        log.info("received SIGHUP: reloading the configuration");
        try {
            reload.run();
        } catch (RuntimeException e) {
            log.error("config reload failed, keeping the running config", e);
        }
    }
}
