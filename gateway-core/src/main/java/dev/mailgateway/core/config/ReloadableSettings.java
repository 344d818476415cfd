package dev.mailgateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.util.Json;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The settings a reload (SIGHUP, {@code POST /admin/reload}) applies at run time: the one place
 * that decides what reloads. Components that honour run-time changes read this record through
 * {@link LiveConfig#settings()} when they need a value; every other setting is copied into final
 * fields at start-up and keeps its start value until a restart.
 *
 * <p>Each component names its config key: a top-level key ({@code batchSize}), a whole section
 * ({@code retry}: every {@code retry.*} key), or the one nested key with that name
 * ({@code logAllEmails}: {@code security.logAllEmails}). {@link #KEYS} is derived from the
 * components, so adding one here makes its key reloadable in {@code ConfigReloader}, in
 * {@link LiveConfig} and in the docs check (docs/operations.md) at once. Inside
 * {@code rateLimits}, {@link #RESTART_ONLY_INSIDE} stay at their start values (the Redis client
 * is made at start, docs/scale-out.md); {@code rateLimits.redis.onError} is read live.
 */
public record ReloadableSettings(
        RateLimitsConfig rateLimits,
        String defaultUsername,
        String defaultPassword,
        String forwardHost,
        int forwardPort,
        String forwardUsername,
        String forwardPassword,
        boolean forwardSSL,
        List<ProviderConfig> forwardProviders,
        int batchSize,
        int batchDelay,
        boolean continueOnError,
        RetryConfig retry,
        RelayConfig relay,
        int processingTimeout,
        boolean logAllEmails,
        String forwardTlsLevel,
        String forwardTlsCaFile,
        boolean requireAngleBrackets) {

    /** Keys inside a reloadable section that are nevertheless read once at start. */
    public static final Set<String> RESTART_ONLY_INSIDE = Set.of(
            "rateLimits.redis.uri", "rateLimits.redis.keyPrefix", "rateLimits.redis.timeoutMs");

    /** Every reloadable leaf key path, in catalogue order (derived from the components). */
    public static final List<String> KEYS = deriveKeys();

    public ReloadableSettings {
        forwardProviders = List.copyOf(forwardProviders);
    }

    /** The reloadable part of a configuration. */
    public static ReloadableSettings of(GatewayConfig c) {
        return new ReloadableSettings(c.rateLimits(), c.defaultUsername(), c.defaultPassword(),
                c.forwardHost(), c.forwardPort(), c.forwardUsername(), c.forwardPassword(),
                c.forwardSSL(), c.forwardProviders(), c.batchSize(), c.batchDelay(),
                c.continueOnError(), c.retry(), c.relay(), c.processingTimeout(),
                c.security().logAllEmails(), c.forwardTlsLevel(), c.forwardTlsCaFile(),
                c.smtp().requireAngleBrackets());
    }

    /** True for a leaf key path whose new value a reload applies. */
    public static boolean isReloadable(String key) {
        return KEYS.contains(key);
    }

    /**
     * {@code running} with every reloadable key taken from {@code next}; all other keys keep their
     * running value. Bound like a loaded config (the compact constructors check the result).
     *
     * @throws ConfigException when the combination does not validate
     */
    public static GatewayConfig apply(GatewayConfig running, GatewayConfig next) {
        ObjectNode target = Json.MAPPER.valueToTree(running);
        JsonNode source = Json.MAPPER.valueToTree(next);
        for (String key : KEYS) {
            String[] parts = key.split("\\.");
            ObjectNode t = target;
            JsonNode s = source;
            for (int i = 0; i < parts.length - 1; i++) {
                t = (ObjectNode) t.get(parts[i]);
                s = s.get(parts[i]);
            }
            t.set(parts[parts.length - 1], s.get(parts[parts.length - 1]));
        }
        return ConfigLoader.bind(target, GatewayConfig.class);
    }

    /** True when SMTP AUTH credentials are configured for inbound clients. */
    public boolean hasInboundCredentials() {
        return !defaultUsername.isEmpty() && !defaultPassword.isEmpty();
    }

    /** Every component, passwords shown as {@code ****}. */
    @Override
    public String toString() {
        return Secrets.toString(this);
    }

    private static List<String> deriveKeys() {
        List<String> all = new ArrayList<>(ConfigKeys.KEYS.keySet());
        List<String> out = new ArrayList<>();
        for (RecordComponent c : ReloadableSettings.class.getRecordComponents()) {
            String name = c.getName();
            List<String> matched = new ArrayList<>();
            if (all.contains(name)) {
                matched.add(name);
            } else if (all.stream().anyMatch(k -> k.startsWith(name + "."))) {
                all.stream().filter(k -> k.startsWith(name + ".")).forEach(matched::add);
            } else {
                all.stream().filter(k -> k.endsWith("." + name)).forEach(matched::add);
                if (matched.size() != 1) {
                    throw new IllegalStateException("ReloadableSettings." + name
                            + " must name exactly one config key, matches " + matched);
                }
            }
            matched.removeAll(RESTART_ONLY_INSIDE);
            out.addAll(matched);
        }
        out.sort((a, b) -> Integer.compare(all.indexOf(a), all.indexOf(b)));
        return Collections.unmodifiableList(out);
    }
}
