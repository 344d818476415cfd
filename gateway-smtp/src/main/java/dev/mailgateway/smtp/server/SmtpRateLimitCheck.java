package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.smtp.codec.SmtpReplies;
import dev.mailgateway.smtp.codec.SmtpReply;
import dev.mailgateway.smtp.ratelimit.RateLimiter;
import dev.mailgateway.smtp.ratelimit.RateLimits;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate-limit step of MAIL FROM, the last check before {@code 250 2.1.0}. Local limits answer
 * at once; with Redis the answer comes later from the Redis client's thread: reading is paused
 * meanwhile (like the spool write and the delayed 535), the completion hops back to the
 * channel's loop, writes the reply, then decodes what the client pipelined.
 */
final class SmtpRateLimitCheck {

    private static final Logger log = LoggerFactory.getLogger(SmtpServerHandler.class);

    /** rateLimits.redis.onError=reject while Redis cannot be asked. */
    static final SmtpReply UNAVAILABLE = SmtpReply.of(451, "4.7.1",
            "Rate limits cannot be checked now, try again later");

    private SmtpRateLimitCheck() {
    }

    static void reserve(SmtpConnection h, String sender, MailParameters params) {
        CompletableFuture<RateLimiter.Reservation> pending =
                h.server().rateLimits.reserve(RateLimiter.senderKey(h.session().authUser, sender));
        if (pending.isDone()) {
            decided(h, sender, params, pending.join());
            return;
        }
        h.pauseReading();
        SmtpSession session = h.session();
        pending.whenComplete((r, error) -> h.loop().execute(() -> {
            if (error != null) { // not expected: RateLimits applies onError itself
                log.warn("{} rate limit check failed: {}", session.id, error.toString());
                if (h.open()) {
                    h.write(UNAVAILABLE);
                }
            } else if (h.session() != session || !h.open()) {
                r.release();
            } else {
                decided(h, sender, params, r);
            }
            h.resumeReading();
        }));
    }

    private static void decided(SmtpConnection h, String sender, MailParameters params,
            RateLimiter.Reservation reservation) {
        SmtpSession session = h.session();
        if (!reservation.allowed()) {
            RateLimiter.Verdict v = reservation.verdict();
            h.server().metrics.rateLimited.inc();
            String who = LogAddress.of(session.authUser != null ? session.authUser : sender,
                    h.server().settings().logAllEmails());
            if (RateLimits.UNAVAILABLE.equals(v.limit())) {
                log.warn("{} rate limits unavailable (rateLimits.redis.onError=reject): refused sender {} from {}",
                        session.id, who, session.ipText);
                h.write(UNAVAILABLE);
                return;
            }
            log.warn("{} rate limited: {} ({}) reached for sender {} from {}, retry in {} s", session.id,
                    v.limit(), v.max(), who, session.ipText, v.retryAfterSeconds());
            h.write(SmtpReplies.rateLimited(h.alloc(), v.limit() + " " + v.max(), v.retryAfterSeconds()));
            return;
        }
        session.transaction = new SmtpSession.Transaction(sender, params.smtpUtf8(), params.eightBit(),
                params.size(), reservation);
        session.transaction.dsn(params.ret(), params.envId());
        h.write(SmtpReplies.SENDER_OK);
    }
}
