package dev.mailgateway.core.model;

import java.util.List;

/**
 * A message that is durable in the spool and still owes delivery to some recipients.
 * Immutable: a delivery attempt produces a new instance via {@link #afterAttempt}.
 *
 * @param envelope          the original envelope (all recipients)
 * @param pendingRecipients recipients without a final outcome yet, in envelope order
 * @param attempts          delivery attempts made so far (0 for a fresh message)
 */
public record SpooledMessage(Envelope envelope, List<String> pendingRecipients, int attempts) {

    public SpooledMessage {
        pendingRecipients = List.copyOf(pendingRecipients);
    }

    public static SpooledMessage fresh(Envelope envelope) {
        return new SpooledMessage(envelope, envelope.recipients(), 0);
    }

    public QueueId id() {
        return envelope.id();
    }

    /** The message after one more attempt, owing delivery only to {@code stillPending}. */
    public SpooledMessage afterAttempt(List<String> stillPending) {
        return new SpooledMessage(envelope, stillPending, attempts + 1);
    }
}
