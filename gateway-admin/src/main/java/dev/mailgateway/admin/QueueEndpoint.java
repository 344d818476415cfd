package dev.mailgateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code GET /admin/queue}: where accepted mail is now (spool, worker queues, overflow, retry
 * timers, failed store) and the oldest messages still owed delivery, so an operator can see
 * what is stuck. Reads in-memory state only; runs on the admin event loop.
 */
final class QueueEndpoint {

    /** How many of the oldest live messages to show. */
    static final int OLDEST_LIMIT = 20;

    private final GatewayMetrics metrics;
    private final Spool spool;
    private final Dispatcher dispatcher;
    private final FailedStore failedStore;
    private final Clock clock;

    QueueEndpoint(GatewayMetrics metrics, Spool spool, Dispatcher dispatcher, FailedStore failedStore,
            Clock clock) {
        this.metrics = metrics;
        this.spool = spool;
        this.dispatcher = dispatcher;
        this.failedStore = failedStore;
        this.clock = clock;
    }

    AdminResponse get() {
        ObjectNode body = AdminResponse.object()
                .put("spool_live", spool.liveCount())
                .put("queue_depth", dispatcher.depth())
                .put("queue_overflow", dispatcher.overflowSize())
                .put("queue_capacity", dispatcher.capacity());
        Object retryWaiting = metrics.gaugeValue(MetricNames.RETRY_WAITING);
        if (retryWaiting instanceof Number n) {
            body.put("retry_waiting", n.longValue());
        } else {
            body.putNull("retry_waiting"); // the relay has not registered its gauge
        }
        body.put("failed", failedStore.count());
        RelayState.put(body, metrics, dispatcher); // issue #12: window, waiting on disk / for a provider, providers

        Instant now = clock.instant();
        ArrayNode oldest = body.putArray("oldest");
        for (SpooledMessage m : spool.oldest(OLDEST_LIMIT)) {
            Envelope e = m.envelope();
            ObjectNode node = oldest.addObject()
                    .put("id", m.id().value())
                    .put("from", e.sender());
            ArrayNode pending = node.putArray("pendingRecipients");
            m.pendingRecipients().forEach(pending::add);
            node.put("attempts", m.attempts())
                    .put("receivedAt", e.receivedAt().toString())
                    .put("ageSeconds", Math.max(0, Duration.between(e.receivedAt(), now).toSeconds()));
        }
        return AdminResponse.ok(body);
    }
}
