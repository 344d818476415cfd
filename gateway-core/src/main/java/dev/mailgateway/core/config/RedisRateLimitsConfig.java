package dev.mailgateway.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * {@code rateLimits.redis}: where the shared rate-limit windows live.
 *
 * <ul>
 *   <li>{@code uri}: {@code redis://[:password@]host:port[/db]} or {@code rediss://…} (TLS);
 *       empty = every node counts alone, as without Redis.
 *   <li>{@code keyPrefix}: prepended to every key, so several gateway clusters can share a Redis.
 *   <li>{@code timeoutMs}: how long one check may take before {@code onError} applies.
 *   <li>{@code onError}: when Redis is unreachable, slow or failing: {@code "local"} (this node's
 *       own windows), {@code "reject"} ({@code 451 4.7.1}) or {@code "allow"} (no limit).
 * </ul>
 */
public record RedisRateLimitsConfig(String uri, String keyPrefix, int timeoutMs, String onError) {

    public RedisRateLimitsConfig {
        uri = Check.orEmpty(uri).trim();
        keyPrefix = keyPrefix == null ? "mail-gateway:rl:" : keyPrefix;
        if (!uri.isEmpty()) {
            String scheme;
            try {
                scheme = new URI(uri).getScheme();
            } catch (URISyntaxException e) {
                scheme = null;
            }
            if (scheme == null || !(scheme.toLowerCase(Locale.ROOT).equals("redis")
                    || scheme.toLowerCase(Locale.ROOT).equals("rediss"))) {
                throw new ConfigException("rateLimits.redis.uri must look like redis://host:6379/0"
                        + " (or rediss:// for TLS), got a value that does not");
            }
        }
        if (timeoutMs < 1 || timeoutMs > 60_000) {
            throw new ConfigException("rateLimits.redis.timeoutMs must be between 1 and 60000, got " + timeoutMs);
        }
        if (!"local".equals(onError) && !"reject".equals(onError) && !"allow".equals(onError)) {
            throw new ConfigException("rateLimits.redis.onError must be \"local\", \"reject\" or \"allow\", got "
                    + (onError == null ? "null" : "\"" + onError + "\""));
        }
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final String DEFAULT_URI = "";
    public static final String DEFAULT_KEY_PREFIX = "mail-gateway:rl:";
    public static final int DEFAULT_TIMEOUT_MS = 250;
    public static final String DEFAULT_ON_ERROR = "local";

    public static RedisRateLimitsConfig defaults() {
        return new RedisRateLimitsConfig(DEFAULT_URI, DEFAULT_KEY_PREFIX, DEFAULT_TIMEOUT_MS, DEFAULT_ON_ERROR);
    }

    /** True when a Redis URI is set. */
    public boolean enabled() {
        return !uri.isEmpty();
    }

    /** The URI with any password replaced by {@code ****}, for logs. */
    public String uriForLogs() {
        return uri.replaceAll("//[^@/]*@", "//****@");
    }

    @Override
    public String toString() {
        return "RedisRateLimitsConfig[uri=" + uriForLogs() + ", keyPrefix=" + keyPrefix + ", timeoutMs="
                + timeoutMs + ", onError=" + onError + "]";
    }
}
