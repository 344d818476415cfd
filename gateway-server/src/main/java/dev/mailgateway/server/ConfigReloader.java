package dev.mailgateway.server;

import dev.mailgateway.core.util.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.config.ConfigException;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the configuration on SIGHUP and applies what may change at run time.
 *
 * <p>Reloadable (components read them from {@link LiveConfig#current()} when they need them):
 * rate limits, inbound and upstream credentials, the upstream provider(s), batching, retry,
 * and the relay's timeouts/pool sizes, {@code processingTimeout} and {@code security.logAllEmails}.
 * Every other changed key (ports, hosts, emailsDir, workerCount, queueSize, tls, security,
 * limits, ...) is named in a WARN line and keeps its running value until a restart, so
 * {@code LiveConfig.current()} always describes what is actually in effect. A file or
 * environment that does not validate is logged and the running config is kept. Only key
 * names are logged, never values (they may be passwords).
 *
 * <p>Threads: {@link #reload()} is synchronized; the signal dispatcher thread calls it.
 */
final class ConfigReloader {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    /** Key paths (or prefixes ending in '.') that are applied at run time. */
    static final List<String> RELOADABLE = List.of(
            "rateLimits.",
            "defaultUsername", "defaultPassword",
            "forwardHost", "forwardPort", "forwardUsername", "forwardPassword", "forwardSSL",
            "forwardProviders",
            "batchSize", "batchDelay", "continueOnError",
            "retry.",
            // the relay also reads these per attempt (docs/relay.md)
            "relay.", "processingTimeout", "security.logAllEmails",
            // issue #14: outbound TLS policy (per connection) and path leniency (per command)
            "forwardTlsLevel", "forwardTlsCaFile", "smtp.requireAngleBrackets");

    private static final JsonMapper MAPPER = Json.MAPPER;

    /** What a reload did. {@code error} is null when the new config was valid. */
    record Result(List<String> applied, List<String> needRestart, String error) {

        static Result failed(String error) {
            return new Result(List.of(), List.of(), error);
        }
    }

    private final ConfigSource source;
    private final LiveConfig live;

    ConfigReloader(ConfigSource source, LiveConfig live) {
        this.source = source;
        this.live = live;
    }

    /** Reads the file and environment again and applies the reloadable changes. */
    synchronized Result reload() {
        GatewayConfig running = live.current();
        GatewayConfig next;
        try {
            next = source.load();
        } catch (ConfigException e) {
            log.error("config reload from {} failed, keeping the running config: {}",
                    source.describe(), e.getMessage());
            return Result.failed(e.getMessage());
        }
        List<String> applied = new ArrayList<>();
        List<String> needRestart = new ArrayList<>();
        for (String key : changedKeys(running, next)) {
            (isReloadable(key) ? applied : needRestart).add(key);
        }
        if (!applied.isEmpty()) {
            GatewayConfig merged;
            try {
                merged = merge(running, next, applied).validateForStartup();
            } catch (ConfigException e) {
                log.error("config reload: the reloadable changes {} do not combine with the running "
                        + "config, keeping it: {}", applied, e.getMessage());
                return Result.failed(e.getMessage());
            }
            live.replace(merged);
        }
        if (applied.isEmpty() && needRestart.isEmpty()) {
            log.info("config reload from {}: no changes", source.describe());
        } else if (!applied.isEmpty()) {
            log.info("config reload from {}: applied {}", source.describe(), applied);
        }
        if (!needRestart.isEmpty()) {
            log.warn("config reload: {} changed but need a restart to take effect (not applied)",
                    needRestart);
        }
        return new Result(List.copyOf(applied), List.copyOf(needRestart), null);
    }

    static boolean isReloadable(String key) {
        if (key.startsWith("rateLimits.redis.") && !key.equals("rateLimits.redis.onError")) {
            return false; // the Redis client is made at start (docs/scale-out.md); onError is read live
        }
        for (String r : RELOADABLE) {
            if (r.endsWith(".") ? key.startsWith(r) : key.equals(r)) {
                return true;
            }
        }
        return false;
    }

    /** Dotted key paths whose values differ; lists (forwardProviders, networks) are one key. */
    static List<String> changedKeys(GatewayConfig a, GatewayConfig b) {
        Map<String, JsonNode> left = flatten(a);
        Map<String, JsonNode> right = flatten(b);
        TreeSet<String> keys = new TreeSet<>(left.keySet());
        keys.addAll(right.keySet());
        List<String> changed = new ArrayList<>();
        for (String k : keys) {
            if (!Objects.equals(left.get(k), right.get(k))) {
                changed.add(k);
            }
        }
        return changed;
    }

    static Map<String, JsonNode> flatten(GatewayConfig config) {
        Map<String, JsonNode> out = new TreeMap<>();
        flatten(MAPPER.valueToTree(config), "", out);
        return out;
    }

    private static void flatten(JsonNode node, String path, Map<String, JsonNode> out) {
        if (!node.isObject()) {
            out.put(path, node);
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
        }
    }

    /** The running config with the values of {@code keys} taken from {@code next}. */
    static GatewayConfig merge(GatewayConfig running, GatewayConfig next, List<String> keys) {
        ObjectNode target = MAPPER.valueToTree(running);
        JsonNode source = MAPPER.valueToTree(next);
        for (String key : keys) {
            String[] parts = key.split("\\.");
            ObjectNode t = target;
            JsonNode s = source;
            for (int i = 0; i < parts.length - 1; i++) {
                t = (ObjectNode) t.get(parts[i]);
                s = s.get(parts[i]);
            }
            t.set(parts[parts.length - 1], s.get(parts[parts.length - 1]));
        }
        try {
            return MAPPER.treeToValue(target, GatewayConfig.class);
        } catch (JsonProcessingException e) {
            Throwable c = e.getCause();
            if (c instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException("config reload: cannot combine the changes: "
                    + e.getOriginalMessage(), e);
        }
    }
}
