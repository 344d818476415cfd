package dev.mailgateway.core.model;

/** The outcome of one delivery attempt for one recipient. */
public enum DeliveryStatus {
    /** 2xx from the upstream, or written to local delivery: final. */
    DELIVERED,
    /** 4xx, connection error or timeout: to be retried. */
    DEFERRED,
    /** 5xx, or retries exhausted: final, goes to the failed store. */
    FAILED;

    public boolean isFinal() {
        return this != DEFERRED;
    }
}
