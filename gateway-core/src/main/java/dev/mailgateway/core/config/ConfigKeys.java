package dev.mailgateway.core.config;

import dev.mailgateway.core.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalogue of configuration keys, derived from {@link GatewayConfig#defaults()} turned into
 * a JSON tree (so a key added to a record appears here, in the env names and in the docs check
 * without a hand-kept list). Each leaf key has a dotted path, an environment variable name and
 * a {@link Kind} read from the record component's Java type.
 */
final class ConfigKeys {

    /** The value types a key can have. */
    enum Kind {
        STRING("string"), INT("int"), LONG("long"), DOUBLE("double"), BOOL("bool"),
        STRING_LIST("list of strings"), PROVIDER_LIST("list of providers"), OBJECT("object");

        final String docName;

        Kind(String docName) {
            this.docName = docName;
        }
    }

    /** One leaf key: {@code path} like {@code rateLimits.maxPerHour}, {@code env} like {@code RATE_LIMITS_MAX_PER_HOUR}. */
    record Key(String path, String env, Kind kind, JsonNode defaultValue) {
    }

    /** The default configuration as a JSON tree; callers must copy it ({@link #defaultsTree()}). */
    private static final ObjectNode DEFAULTS =
            Json.MAPPER.valueToTree(GatewayConfig.defaults());

    /** Leaf keys by path, in the order of the defaults tree. */
    static final Map<String, Key> KEYS;

    static {
        Map<String, Key> keys = new LinkedHashMap<>();
        walk(DEFAULTS, GatewayConfig.class, "", keys);
        Map<String, String> seen = new LinkedHashMap<>();
        for (Key k : keys.values()) {
            String clash = seen.put(k.env(), k.path());
            if (clash != null) {
                throw new IllegalStateException("config keys " + clash + " and " + k.path()
                        + " map to the same environment variable " + k.env());
            }
        }
        KEYS = Collections.unmodifiableMap(keys);
    }

    private ConfigKeys() {
    }

    static ObjectNode defaultsTree() {
        return DEFAULTS.deepCopy();
    }

    /** Key path → environment variable name, ordered like the defaults. */
    static Map<String, String> envNames() {
        Map<String, String> out = new LinkedHashMap<>();
        KEYS.values().forEach(k -> out.put(k.path(), k.env()));
        return Collections.unmodifiableMap(out);
    }

    /** {@code rateLimits.globalMaxPerHour} → {@code RATE_LIMITS_GLOBAL_MAX_PER_HOUR}; {@code forwardSSL} → {@code FORWARD_SSL}. */
    static String envName(String path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path.split("\\.")) {
            if (!sb.isEmpty()) {
                sb.append('_');
            }
            String s = segment.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                    .replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2");
            sb.append(s.toUpperCase(Locale.ROOT));
        }
        return sb.toString();
    }

    /** The kind of a record component, from its Java type. */
    static Kind kindOf(RecordComponent c) {
        Class<?> t = c.getType();
        if (t == String.class) {
            return Kind.STRING;
        } else if (t == int.class) {
            return Kind.INT;
        } else if (t == long.class) {
            return Kind.LONG;
        } else if (t == double.class) {
            return Kind.DOUBLE;
        } else if (t == boolean.class) {
            return Kind.BOOL;
        } else if (t == List.class && c.getGenericType() instanceof ParameterizedType p) {
            Object element = p.getActualTypeArguments()[0];
            if (element == String.class) {
                return Kind.STRING_LIST;
            } else if (element == ProviderConfig.class) {
                return Kind.PROVIDER_LIST;
            }
        } else if (t.isRecord()) {
            return Kind.OBJECT;
        }
        throw new IllegalStateException("config component " + c + " has an unsupported type");
    }

    /** The component called {@code name} of {@code type}, or null. */
    static RecordComponent component(Class<?> type, String name) {
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** True for fields whose values must never be printed. */
    static boolean isSecret(String pathOrName) {
        return Secrets.isSecret(pathOrName);
    }

    /**
     * The closest known key to an unknown one, or null when nothing is close. Compared without
     * case, '_' or '-', so {@code SMTP_PORT} or {@code smtpport} in a file suggest {@code smtpPort};
     * a nested key written at the wrong level ({@code requireAuth}) suggests its full path.
     *
     * @param prefix   the path of the object holding the unknown key ("" at top level)
     * @param unknown  the unknown key as written
     * @param siblings the keys valid at that level
     * @param global   whether keys elsewhere in the tree may be suggested too
     */
    static String suggest(String prefix, String unknown, List<String> siblings, boolean global) {
        String u = normalize(unknown);
        int threshold = Math.max(1, Math.min(3, u.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String s : siblings) {
            int d = distance(u, normalize(s));
            if (d < bestDistance) {
                bestDistance = d;
                best = prefix.isEmpty() ? s : prefix + "." + s;
            }
        }
        if (global) {
            for (Key k : KEYS.values()) {
                String leaf = k.path().substring(k.path().lastIndexOf('.') + 1);
                int d = Math.min(distance(u, normalize(leaf)), distance(u, normalize(k.path())));
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k.path();
                }
            }
        }
        return bestDistance <= threshold ? best : null;
    }

    private static String normalize(String s) {
        return s.replace("_", "").replace("-", "").replace(".", "").toLowerCase(Locale.ROOT);
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("hots" → "host" = 1). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }

    private static void walk(ObjectNode node, Class<?> type, String prefix, Map<String, Key> out) {
        node.properties().forEach(e -> {
            RecordComponent c = component(type, e.getKey());
            if (c == null) {
                throw new IllegalStateException(type.getSimpleName() + " serialises an extra property "
                        + e.getKey() + " that is not a record component");
            }
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            Kind kind = kindOf(c);
            if (kind == Kind.OBJECT) {
                walk((ObjectNode) e.getValue(), c.getType(), path, out);
            } else {
                out.put(path, new Key(path, envName(path), kind, e.getValue()));
            }
        });
    }
}
