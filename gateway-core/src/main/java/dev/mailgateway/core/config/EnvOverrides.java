package dev.mailgateway.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Applies environment variables onto the merged config tree: one variable per leaf key, named
 * by {@link ConfigKeys#envName}. Values are text converted to the key's type; variables that
 * are not config keys (PATH, HOME, CONFIG_FILE, ...) are ignored.
 *
 * <ul>
 *   <li>int, long: a decimal integer; double: a decimal number ({@code 2}, {@code 1.5}, {@code 1e3});
 *   <li>bool: {@code true} or {@code false}, any case; nothing else;
 *   <li>list of strings: comma-separated, blanks trimmed and empty items dropped ({@code ""} = empty
 *       list), or a JSON array when the value starts with {@code [};
 *   <li>{@code FORWARD_PROVIDERS}: a JSON array of provider objects.
 * </ul>
 */
final class EnvOverrides {

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private EnvOverrides() {
    }

    /**
     * Sets every key that has a variable in {@code env}.
     *
     * @return key path → variable name of the keys that were set, to attribute later errors
     */
    static Map<String, String> apply(ObjectNode tree, Map<String, String> env) {
        Map<String, String> applied = new LinkedHashMap<>();
        for (ConfigKeys.Key key : ConfigKeys.KEYS.values()) {
            String raw = env.get(key.env());
            if (raw == null) {
                continue;
            }
            JsonNode value;
            try {
                value = convert(key, raw);
            } catch (ConfigException e) {
                if (e.getMessage().contains(key.env())) {
                    throw e;
                }
                throw new ConfigException(e.getMessage() + " (from environment variable " + key.env() + ")");
            }
            ObjectNode parent = tree;
            String[] segments = key.path().split("\\.");
            for (int i = 0; i < segments.length - 1; i++) {
                parent = (ObjectNode) parent.get(segments[i]);
            }
            parent.set(segments[segments.length - 1], value);
            applied.put(key.path(), key.env());
        }
        return applied;
    }

    /** An int or long key's value: digits with an optional sign, within the kind's range. */
    private static JsonNode integer(ConfigKeys.Key key, String v, String raw) {
        try {
            if (!INTEGER.matcher(v).matches()) {
                throw new NumberFormatException();
            }
            return key.kind() == ConfigKeys.Kind.INT
                    ? JsonNodeFactory.instance.numberNode(Integer.parseInt(v))
                    : JsonNodeFactory.instance.numberNode(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw typeError(key, "an integer", raw);
        }
    }

    static JsonNode convert(ConfigKeys.Key key, String raw) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String v = raw.trim();
        String name = key.env();
        return switch (key.kind()) {
            case STRING -> f.textNode(raw);
            case INT, LONG -> integer(key, v, raw);
            case DOUBLE -> {
                if (!DECIMAL.matcher(v).matches()) {
                    throw typeError(key, "a number", raw);
                }
                yield f.numberNode(Double.parseDouble(v));
            }
            case BOOL -> {
                String lower = v.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false")) {
                    throw typeError(key, "true or false", raw);
                }
                yield f.booleanNode(lower.equals("true"));
            }
            case STRING_LIST -> {
                if (v.startsWith("[")) {
                    JsonNode array = parseJson(name, v, "a JSON array of strings or comma-separated values");
                    ConfigMerger.checkValue(ConfigKeys.Kind.STRING_LIST, array, key.path());
                    yield array;
                }
                ArrayNode list = f.arrayNode();
                for (String item : v.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
                yield list;
            }
            case PROVIDER_LIST -> ConfigMerger.providers(
                    parseJson(name, v, "a JSON array of provider objects like "
                            + "[{\"host\":\"smtp.example.com\",\"port\":587}]"), key.path());
            case OBJECT -> throw new IllegalStateException("objects have no environment variable");
        };
    }

    private static ConfigException typeError(ConfigKeys.Key key, String expected, String raw) {
        // Only string keys hold secrets, and strings never fail conversion: the value may be shown.
        return new ConfigException("environment variable " + key.env() + " (" + key.path() + ") must be "
                + expected + ", got \"" + raw + "\"");
    }

    private static JsonNode parseJson(String name, String text, String expected) {
        try {
            return ConfigLoader.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's description and position, with any quoted token cut out: the value may hold passwords.
            String why = e.getOriginalMessage().replaceAll("Unrecognized token '[^']*'", "Unrecognized token");
            throw new ConfigException("environment variable " + name + " must be " + expected
                    + "; column " + e.getLocation().getColumnNr() + ": " + why);
        }
    }
}
