package dev.mailgateway.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling for a condition another thread makes true: the one wait the tests use. */
public final class Await {

    private Await() {
    }

    /** Returns once {@code condition} holds; an AssertionError naming {@code what} after {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            try {
                Thread.sleep(10); // polling interval, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
