package dev.mailgateway.smtp.ratelimit;

import dev.mailgateway.core.config.RateLimitsConfig;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The rate limits the SMTP server applies at MAIL FROM: this node's {@link RateLimiter}, or,
 * with rateLimits.redis.uri set, the windows shared in Redis ({@link RedisRateLimitStore}).
 *
 * <p>Reservation semantics are the same with both backends: {@link #reserve} holds a slot
 * from MAIL FROM; {@code commit()} on 250, {@code release()} on any other end. Locally the
 * slot is an in-flight count that becomes a bucket count on commit. In Redis the slot
 * <em>is</em> a bucket count, made by the reserve script; release runs a second script that
 * takes it back (so other nodes see in-flight transactions too). If a node dies inside a
 * transaction, its slot stays counted (strict side). Each message accepted while Redis is in
 * use is also recorded in the local windows, so a fallback to them starts from this node's
 * real recent traffic.
 *
 * <p>rateLimits.redis.onError, when the Redis call fails or times out: {@code local} uses the
 * local windows (limits then apply per node), {@code reject} refuses with {@link #UNAVAILABLE}
 * (the handler answers 451 4.7.1), {@code allow} lets the message through uncounted.
 */
public final class RateLimits implements AutoCloseable {

    /** The {@link RateLimiter.Verdict#limit()} of a refusal because Redis could not be asked. */
    public static final String UNAVAILABLE = "rateLimits.redis unavailable";

    private final Supplier<RateLimitsConfig> config;
    private final RateLimiter local;
    private final RedisRateLimitStore redis;

    /** @param redis null for local limits only */
    public RateLimits(Supplier<RateLimitsConfig> config, RateLimiter local, RedisRateLimitStore redis) {
        this.config = config;
        this.local = local;
        this.redis = redis;
    }

    /** Local limits only, or a Redis store (started here) when rateLimits.redis.uri is set at creation. */
    public static RateLimits create(Supplier<RateLimitsConfig> config) {
        RateLimiter local = new RateLimiter(config);
        RateLimitsConfig c = config.get();
        RedisRateLimitStore redis = null;
        if (c.redis().enabled()) {
            redis = new RedisRateLimitStore(c.redis());
            redis.start();
        }
        return new RateLimits(config, local, redis);
    }

    public RateLimiter local() {
        return local;
    }

    /**
     * Checks every limit for {@code sender} and holds a slot when allowed. Completed at once
     * for local limits; with Redis it completes on a Redis client thread (callers hop back to
     * their event loop). Never completes exceptionally: a Redis failure applies onError.
     */
    public CompletableFuture<RateLimiter.Reservation> reserve(String sender) {
        RateLimitsConfig c = config.get();
        if (!c.enabled()) {
            return CompletableFuture.completedFuture(RateLimiter.Reservation.NONE);
        }
        if (redis == null) {
            return CompletableFuture.completedFuture(local.reserve(sender));
        }
        return redis.reserve(sender, c).handle((r, error) -> {
            if (error != null) {
                return onError(sender, c);
            }
            if (!r.allowed()) {
                return RateLimiter.Reservation.refused(r.verdict());
            }
            return new RateLimiter.Reservation(RateLimiter.Verdict.ALLOWED, accepted -> {
                if (accepted) {
                    local.record(sender); // the node's own history, for a fallback to local windows
                } else {
                    redis.release(sender, r.hourBucket(), r.dayBucket());
                }
            });
        });
    }

    private RateLimiter.Reservation onError(String sender, RateLimitsConfig c) {
        return switch (c.redis().onError()) {
            case "reject" -> RateLimiter.Reservation.refused(new RateLimiter.Verdict(false, UNAVAILABLE, 0, 60));
            case "allow" -> RateLimiter.Reservation.NONE;
            default -> local.reserve(sender);
        };
    }

    /** For /health: the Redis problem, if any (empty with local limits). */
    public List<String> problems() {
        String p = redis == null ? null : redis.problem();
        return p == null ? List.of() : List.of(p);
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
