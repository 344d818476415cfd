package dev.mailgateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merges a user's JSON object onto the defaults tree, key by key, checking each value's JSON
 * type against the record component it will bind to. Every error names the full key path
 * ({@code forwardProviders[1].port}) and what was expected, so binding afterwards can only fail
 * on a value's range (the compact constructors' checks).
 *
 * <p>Types are strict: {@code "25"} (a string) for an int is an error, so is {@code 25} for a
 * string, {@code 1.5} for an int or {@code "true"} for a bool. {@code null} is an error too (to
 * keep a default, leave the key out).
 */
final class ConfigMerger {

    private ConfigMerger() {
    }

    /** Merges {@code source} onto {@code target}, both shaped like record {@code type}; {@code path} is the objects' key path. */
    static void mergeObject(ObjectNode target, ObjectNode source, Class<?> type, String path) {
        for (Map.Entry<String, JsonNode> e : source.properties()) {
            String name = e.getKey();
            String key = path.isEmpty() ? name : path + "." + name;
            RecordComponent c = ConfigKeys.component(type, name);
            if (c == null) {
                throw unknownKey(type, path, name, key);
            }
            JsonNode value = e.getValue();
            ConfigKeys.Kind kind = ConfigKeys.kindOf(c);
            if (value.isNull()) {
                throw new ConfigException(key + " must not be null: leave the key out to keep its default"
                        + defaultHint(target.get(name), key));
            }
            switch (kind) {
                case OBJECT -> {
                    if (!value.isObject()) {
                        throw new ConfigException(key + " must be an object {...}, got " + describe(value, key));
                    }
                    mergeObject((ObjectNode) target.get(name), (ObjectNode) value, c.getType(), key);
                }
                case PROVIDER_LIST -> target.set(name, providers(value, key));
                default -> {
                    checkValue(kind, value, key);
                    target.set(name, value);
                }
            }
        }
    }

    /**
     * Builds the provider list from a JSON array: each entry merged onto
     * {@link ProviderConfig#template()} and bound at once, so errors carry the entry's index.
     */
    static ArrayNode providers(JsonNode value, String key) {
        if (!value.isArray()) {
            throw new ConfigException(key + " must be a list of provider objects like "
                    + "[{\"host\": \"smtp.example.com\", \"port\": 587}], got " + describe(value, key));
        }
        ArrayNode out = ConfigLoader.MAPPER.createArrayNode();
        for (int i = 0; i < value.size(); i++) {
            String at = key + "[" + i + "]";
            JsonNode p = value.get(i);
            if (!p.isObject()) {
                throw new ConfigException(at + " must be an object {\"host\": ..., \"port\": ...}, got "
                        + describe(p, at));
            }
            if (!p.hasNonNull("host")) {
                throw new ConfigException(at + ".host is required: the upstream's host name");
            }
            ObjectNode base = ConfigLoader.MAPPER.valueToTree(ProviderConfig.template());
            mergeObject(base, (ObjectNode) p, ProviderConfig.class, at);
            try {
                ConfigLoader.bind(base, ProviderConfig.class);
            } catch (ConfigException e) {
                throw new ConfigException(e.getMessage().replace("forwardProviders[]", at));
            }
            out.add(base);
        }
        return out;
    }

    /** An int ({@code int32}) or long key's JSON value: an integral number within the kind's range. */
    private static void checkInteger(boolean int32, JsonNode v, String key) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ConfigException(key + " must be an integer, got " + describe(v, key));
        }
        if (int32 && !v.canConvertToInt()) {
            throw new ConfigException(key + " must be an integer between " + Integer.MIN_VALUE
                    + " and " + Integer.MAX_VALUE + ", got " + describe(v, key));
        }
    }

    /** Checks a scalar or string-list value's JSON type. */
    static void checkValue(ConfigKeys.Kind kind, JsonNode v, String key) {
        switch (kind) {
            case STRING -> {
                if (!v.isTextual()) {
                    throw new ConfigException(key + " must be a string, got " + describe(v, key));
                }
            }
            case INT, LONG -> checkInteger(kind == ConfigKeys.Kind.INT, v, key);
            case DOUBLE -> {
                if (!v.isNumber()) {
                    throw new ConfigException(key + " must be a number, got " + describe(v, key));
                }
            }
            case BOOL -> {
                if (!v.isBoolean()) {
                    throw new ConfigException(key + " must be true or false, got " + describe(v, key));
                }
            }
            case STRING_LIST -> {
                if (!v.isArray()) {
                    throw new ConfigException(key + " must be a list of strings like [\"10.0.0.0/8\"], got "
                            + describe(v, key));
                }
                for (int i = 0; i < v.size(); i++) {
                    if (!v.get(i).isTextual()) {
                        throw new ConfigException(key + "[" + i + "] must be a string, got "
                                + describe(v.get(i), key));
                    }
                }
            }
            default -> throw new IllegalStateException("not a leaf kind: " + kind);
        }
    }

    /** A value for an error message: its JSON text (shortened), or only its type for a secret. */
    static String describe(JsonNode v, String key) {
        if (ConfigKeys.isSecret(key)) {
            return typeName(v);
        }
        String text = v.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    private static String typeName(JsonNode v) {
        String name = v.getNodeType().name().toLowerCase(Locale.ROOT);
        return (name.startsWith("a") || name.startsWith("o") ? "an " : "a ") + name;
    }

    private static String defaultHint(JsonNode defaultValue, String key) {
        if (defaultValue == null || defaultValue.isContainerNode() || ConfigKeys.isSecret(key)) {
            return "";
        }
        return " (" + defaultValue + ")";
    }

    private static ConfigException unknownKey(Class<?> type, String path, String name, String key) {
        List<String> siblings = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
        // Provider entries only suggest their own fields; anywhere else a key may have been written
        // at the wrong level (e.g. "requireAuth" at the top instead of "security.requireAuth").
        boolean global = type != ProviderConfig.class;
        String suggestion = ConfigKeys.suggest(path, name, siblings, global);
        return new ConfigException("unknown config key \"" + key + "\""
                + (suggestion == null
                        ? " (valid keys are listed in docs/configuration.md)"
                        : "; did you mean \"" + suggestion + "\"?"));
    }
}
