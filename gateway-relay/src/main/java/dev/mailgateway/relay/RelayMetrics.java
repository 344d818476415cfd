package dev.mailgateway.relay;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueId;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay's metrics on the shared registry (names without the {@code mail_gateway.}
 * prefix). Building one is get-or-create: every instance over one {@link GatewayMetrics}
 * counts into the same metrics, but the per-message outcome state behind {@link #countAttempt}
 * is the instance's: the relay shares one instance between its workers.
 * {@link #gateway()} is the registry, for the relay's gauges.
 */
public final class RelayMetrics {

    public static final String EMAILS_DELIVERED = "emails.delivered";
    public static final String EMAILS_FAILED = "emails.failed";
    public static final String EMAILS_DEFERRED = "emails.deferred";
    public static final String RECIPIENTS_DELIVERED = "recipients.delivered";
    public static final String RECIPIENTS_FAILED = "recipients.failed";
    public static final String PROCESSING_TIME = "emails.processing.time";
    /** Gauge: messages waiting for a retry timer (not in any queue). */
    public static final String RETRY_WAITING = "relay.retry.waiting";
    /** Gauge: messages held back because no provider is up. */
    public static final String WAITING_PROVIDER = "relay.waiting.provider";
    /** Gauge (not numeric): each provider's state as a list of maps. */
    public static final String PROVIDERS = "relay.providers";
    /** Gauges: outbound connections open / idle, all workers. */
    public static final String POOL_OPEN = "relay.pool.open";
    public static final String POOL_IDLE = "relay.pool.idle";
    /** Name prefix of the per-provider SMTP transaction timers: {@code relay.provider.latency.<host:port>}. */
    public static final String PROVIDER_LATENCY = "relay.provider.latency.";

    private final GatewayMetrics metrics;
    /**
     * Messages with a failed recipient and others still pending, so their final attempt does not
     * count them delivered; one set for every worker of this instance (a retry may move).
     */
    private final Set<QueueId> partlyFailed = ConcurrentHashMap.newKeySet();
    /** Messages delivered to every recipient: the spec's {@code successful_emails}. */
    public final Counter emailsDelivered;
    /** Messages moved to the failed store: the spec's {@code failed_emails}. */
    public final Counter emailsFailed;
    /** Attempts that left some recipients to retry later. */
    public final Counter emailsDeferred;
    /** Recipients delivered. */
    public final Counter recipientsDelivered;
    /** Recipients failed for good. */
    public final Counter recipientsFailed;
    /** Accept to final outcome, per message: {@code avg_processing_time_ms}. */
    public final Timer processingTime;

    public RelayMetrics(GatewayMetrics metrics) {
        this.metrics = metrics;
        emailsDelivered = metrics.counter(EMAILS_DELIVERED);
        emailsFailed = metrics.counter(EMAILS_FAILED);
        emailsDeferred = metrics.counter(EMAILS_DEFERRED);
        recipientsDelivered = metrics.counter(RECIPIENTS_DELIVERED);
        recipientsFailed = metrics.counter(RECIPIENTS_FAILED);
        processingTime = metrics.timer(PROCESSING_TIME);
    }

    /**
     * Counts one attempt's outcome for a message: its recipients delivered and failed, the
     * message failed when {@code stored} (in the failed store), deferred when some recipient is
     * left for a retry, else final (processing time; delivered only if no recipient of it ever
     * failed, also on an earlier attempt). Any thread.
     */
    public void countAttempt(QueueId id, int delivered, int failed, boolean stored, boolean deferred,
                             Duration sinceAccepted) {
        recipientsDelivered.inc(delivered);
        recipientsFailed.inc(failed);
        if (stored) {
            emailsFailed.inc();
        }
        if (deferred) {
            emailsDeferred.inc();
            if (failed > 0) {
                partlyFailed.add(id);
            }
        } else {
            processingTime.update(sinceAccepted);
            boolean failedBefore = partlyFailed.remove(id);
            if (failed == 0 && !failedBefore) {
                emailsDelivered.inc();
            }
        }
    }

    /** The SMTP transaction timer of one provider ({@code host:port}), exposed with a provider label. */
    public Timer providerLatency(String address) {
        return metrics.timer(PROVIDER_LATENCY + address);
    }

    /** The shared registry, where the relay registers its gauges. */
    public GatewayMetrics gateway() {
        return metrics;
    }
}
