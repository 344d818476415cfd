package dev.mailgateway.smtp.ratelimit;

import dev.mailgateway.core.config.RateLimitsConfig;
import dev.mailgateway.core.config.RedisRateLimitsConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared rate-limit windows in Redis (rateLimits.redis.*): one Lettuce connection, async
 * only. {@link #reserve} is one round trip ({@code EVALSHA reserve.lua}: checks all four limits
 * and counts the message, atomically, on Redis's clock); {@link #release} undoes a count
 * ({@code release.lua}) for a transaction that ended without a 250.
 *
 * <p>Failure behaviour: every command times out after rateLimits.redis.timeoutMs; while the
 * connection is down commands are rejected at once (Lettuce's default would buffer and replay
 * them on reconnect, counting a message twice). The first connect is attempted in the
 * background (the gateway starts while Redis is down) and retried every second; after a
 * connection existed Lettuce reconnects by itself. While the last attempt failed,
 * {@link #problem()} names Redis; a check every second notices a lost connection without any
 * mail traffic, and a ping clears the problem once Redis answers again.
 * The scripts are loaded with {@code SCRIPT LOAD} on connect and whenever Redis answers again;
 * a script still missing ({@code NOSCRIPT}, e.g. right after a Redis restart) is sent once with
 * {@code EVAL}.
 *
 * <p>Redis layout: {@code <keyPrefix>s:<sender>:h} / {@code :d} and {@code <keyPrefix>g:h} /
 * {@code :d}, each a hash of bucket index → count, expiring 2 h (hour) / 25 h (day) after the
 * last message.
 */
public final class RedisRateLimitStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisRateLimitStore.class);

    /** The outcome of {@link #reserve}: counted (with the buckets to release), or the limit hit. */
    public record Result(boolean allowed, long hourBucket, long dayBucket, RateLimiter.Verdict verdict) {
    }

    private static final String[] LIMITS = {"maxPerHour", "maxPerDay", "globalMaxPerHour", "globalMaxPerDay"};
    private static final String RESERVE = script("reserve.lua");
    private static final String RELEASE = script("release.lua");
    private static final String RESERVE_SHA = sha1(RESERVE);
    private static final String RELEASE_SHA = sha1(RELEASE);

    private final RedisRateLimitsConfig config;
    private final String target;
    private final ClientResources resources;
    private final RedisClient client;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile String problem;
    private volatile boolean closed;

    public RedisRateLimitStore(RedisRateLimitsConfig config) {
        this.config = config;
        this.target = config.uriForLogs();
        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(Duration.ofMillis(config.timeoutMs()));
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2) // Lettuce's minimum
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.constant(Duration.ofMillis(500)))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(config.timeoutMs())))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(Math.max(1000, config.timeoutMs())))
                        .keepAlive(true)
                        .build())
                .build());
    }

    /** Starts connecting in the background and the once-a-second health ping; never blocks. */
    public void start() {
        connect();
        resources.eventExecutorGroup().scheduleWithFixedDelay(this::monitor, 1, 1, TimeUnit.SECONDS);
    }

    private void connect() {
        if (closed || connection != null || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, RedisURI.create(config.uri())).whenComplete((c, e) -> {
            connecting.set(false);
            if (e != null) {
                failed(e);
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            log.info("rate limits: connected to Redis at {}", target);
            loadScripts(c).whenComplete((ok, e2) -> {
                connection = c;
                if (e2 != null) {
                    failed(e2);
                } else {
                    succeeded();
                }
            });
        });
    }

    /** SCRIPT LOAD both scripts (once per connection, and again after Redis came back). */
    private static CompletableFuture<Void> loadScripts(StatefulRedisConnection<String, String> c) {
        try {
            return CompletableFuture.allOf(c.async().scriptLoad(RESERVE).toCompletableFuture(),
                    c.async().scriptLoad(RELEASE).toCompletableFuture());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void monitor() {
        if (closed) {
            return;
        }
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            connect();
        } else if (problem != null || !c.isOpen()) {
            ping(); // rejected at once while disconnected: /health degrades without traffic too
        }
    }

    private void ping() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            return;
        }
        try {
            c.async().ping().whenComplete((pong, e) -> {
                if (e == null) {
                    succeeded();
                } else {
                    failed(e);
                }
            });
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Null when the last Redis exchange worked; otherwise what went wrong, for /health. */
    public String problem() {
        String p = problem;
        if (p == null && connection == null) {
            p = "not connected yet";
        }
        return p == null ? null : "rate limits: Redis at " + target + " unavailable (" + p
                + "); rateLimits.redis.onError=" + config.onError() + " applies";
    }

    /**
     * Checks the four limits for {@code sender} and counts one message when all allow. Completes
     * on a Lettuce thread; exceptionally when Redis is unreachable, slow or failing.
     */
    public CompletableFuture<Result> reserve(String sender, RateLimitsConfig limits) {
        String[] keys = keys(sender);
        String[] args = {Integer.toString(limits.maxPerHour()), Integer.toString(limits.maxPerDay()),
                Integer.toString(limits.globalMaxPerHour()), Integer.toString(limits.globalMaxPerDay())};
        return call(RESERVE_SHA, RESERVE, keys, args).thenApply(reply -> {
            List<?> r = (List<?>) reply;
            long flag = (Long) r.get(0);
            if (flag == 1) {
                return new Result(true, (Long) r.get(1), (Long) r.get(2), RateLimiter.Verdict.ALLOWED);
            }
            int limit = (int) (long) (Long) r.get(1);
            long max = switch (limit) {
                case 1 -> limits.maxPerHour();
                case 2 -> limits.maxPerDay();
                case 3 -> limits.globalMaxPerHour();
                default -> limits.globalMaxPerDay();
            };
            long retrySeconds = ((Long) r.get(2) + 999) / 1000;
            return new Result(false, 0, 0, new RateLimiter.Verdict(false, LIMITS[limit - 1], max, retrySeconds));
        });
    }

    /** Undoes one count made by {@link #reserve}; a failure is logged (the slot then stays counted). */
    public void release(String sender, long hourBucket, long dayBucket) {
        call(RELEASE_SHA, RELEASE, keys(sender), new String[] {Long.toString(hourBucket), Long.toString(dayBucket)})
                .whenComplete((r, e) -> {
                    if (e != null) {
                        log.debug("rate limits: could not give back a Redis slot: {}", e.toString());
                    }
                });
    }

    private String[] keys(String sender) {
        String p = config.keyPrefix();
        sender = sender.toLowerCase(java.util.Locale.ROOT);
        return new String[] {p + "s:" + sender + ":h", p + "s:" + sender + ":d", p + "g:h", p + "g:d"};
    }

    private CompletableFuture<Object> call(String sha, String script, String[] keys, String[] args) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            IllegalStateException e = new IllegalStateException("not connected");
            failed(e);
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Object> out = new CompletableFuture<>();
        RedisAsyncCommands<String, String> async = c.async();
        try {
            async.<Object>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
                if (e == null) {
                    succeeded();
                    out.complete(r);
                } else if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                    // Redis restarted or flushed its script cache: EVAL loads it again
                    async.<Object>eval(script, ScriptOutputType.MULTI, keys, args).whenComplete((r2, e2) -> {
                        if (e2 == null) {
                            succeeded();
                            out.complete(r2);
                        } else {
                            failed(e2);
                            out.completeExceptionally(e2);
                        }
                    });
                } else {
                    failed(e);
                    out.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            failed(e);
            out.completeExceptionally(e);
        }
        return out;
    }

    private void succeeded() {
        if (problem != null) {
            problem = null;
            log.info("rate limits: Redis at {} answers again: limits are shared again", target);
            StatefulRedisConnection<String, String> c = connection;
            if (c != null) {
                loadScripts(c); // a restarted Redis has lost them; NOSCRIPT would cost an EVAL each
            }
        }
    }

    private void failed(Throwable e) {
        String text = describe(e);
        if (problem == null) {
            log.warn("rate limits: Redis at {} unavailable ({}): applying rateLimits.redis.onError={} until it is back",
                    target, text, config.onError());
        }
        problem = text;
    }

    private static String describe(Throwable e) {
        Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.replaceAll("[^\\x20-\\x7e]", "?"));
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static String script(String name) {
        try (InputStream in = RedisRateLimitStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
