package dev.mailgateway.core.model;

/**
 * What happened to one recipient in one attempt.
 *
 * @param recipient the forward-path
 * @param status    delivered, deferred or failed
 * @param reply     the upstream's reply ("250 2.0.0 Ok", "550 5.1.1 No such user") or the
 *                  local error ("connect timed out to smtp.example.com:587")
 */
public record RecipientOutcome(String recipient, DeliveryStatus status, String reply) {
}
