package dev.mailgateway.relay.worker;

/**
 * How a worker hands a message on: to upstream SMTP providers, or to local files. One instance
 * per worker, used on the worker's event loop only.
 */
public interface DeliveryTransport {

    /**
     * Starts the attempt. The transport records outcomes on {@code delivery} and calls
     * {@link Delivery#complete} on the worker's loop when done; it must stop work and release
     * what it holds when it finds the delivery already finished (aborted).
     */
    void deliver(Delivery delivery);

    /** How many deliveries this transport should run at once on one worker. */
    int maxConcurrent();

    /**
     * False while nothing can be delivered to (every upstream provider down): the worker stops
     * polling and holds what it has until {@link #onReady} fires. Loop only. Always true for
     * local delivery.
     */
    default boolean ready() {
        return true;
    }

    /** Registers a task run (any thread) whenever the transport may have become ready again. */
    default void onReady(Runnable listener) {
    }

    /** Why {@link #ready()} is false, for the deferral reason. */
    default String notReadyReason() {
        return "not ready";
    }

    /** Open connections (any thread, for gauges); 0 for local delivery. */
    default int openConnections() {
        return 0;
    }

    /** Idle pooled connections (any thread, for gauges). */
    default int idleConnections() {
        return 0;
    }

    /** Releases resources; called on the worker's loop at shutdown. */
    default void close() {
    }
}
