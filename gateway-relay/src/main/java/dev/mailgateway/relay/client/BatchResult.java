package dev.mailgateway.relay.client;

import dev.mailgateway.core.model.RecipientOutcome;
import java.util.List;

/**
 * What one SMTP transaction (one batch) produced.
 *
 * @param outcomes        one per recipient of the batch, in batch order (empty when
 *                        {@code retryFresh})
 * @param reusable        the connection may go back to the pool
 * @param retryFresh      a reused connection turned out dead before the upstream said anything
 *                        about this batch: run it again on another connection, nothing failed
 */
public record BatchResult(List<RecipientOutcome> outcomes, boolean reusable, boolean retryFresh) {

    static BatchResult retryOnFreshConnection() {
        return new BatchResult(List.of(), false, true);
    }
}
