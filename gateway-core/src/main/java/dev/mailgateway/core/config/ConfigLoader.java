package dev.mailgateway.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads the configuration: built-in defaults, overlaid by the JSON file ({@code //} and
 * {@code /* *}{@code /} comments allowed), overlaid by environment variables (key path in
 * UPPER_SNAKE_CASE, dots to '_': {@code rateLimits.globalMaxPerHour} →
 * {@code RATE_LIMITS_GLOBAL_MAX_PER_HOUR}). Env wins over the file, the file over the defaults.
 *
 * <p>How: {@link GatewayConfig#defaults()} is turned into a JSON tree; the file's tree is merged
 * onto it key by key ({@link ConfigMerger}: unknown keys, nulls and wrong JSON types are errors,
 * with the closest known key as a suggestion); then the environment ({@link EnvOverrides});
 * then the tree is bound to {@link GatewayConfig}, whose compact constructors check ranges.
 * Every failure is a {@link ConfigException} whose message names the key or environment
 * variable and what was expected; the launcher prints it and exits 2.
 */
public final class ConfigLoader {

    /** The result: the config and where it came from, for the start-up log. */
    public record Loaded(GatewayConfig config, String source) {
    }

    /**
     * Reads config files and env values. Its own mapper, not {@link dev.mailgateway.core.util.Json}:
     * comments allowed, duplicate keys, unknown keys, trailing tokens and scalar coercion refused,
     * which the general-purpose mapper must not do to admin bodies or config trees.
     */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // Types are checked before binding (ConfigMerger); this keeps the binder strict too.
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private ConfigLoader() {
    }

    /**
     * Loads the configuration.
     *
     * @param file the JSON file, or null for built-in defaults (plus env)
     * @param env  environment variables (System.getenv() in production)
     * @throws ConfigException naming the key and what was expected
     */
    public static Loaded load(Path file, Map<String, String> env) {
        if (file == null) {
            return new Loaded(fromJson("{}", "built-in defaults", env), "built-in defaults");
        }
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("cannot read config file " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read config file " + file + ": permission denied", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException("cannot read config file " + file + ": not valid UTF-8 text", e);
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? "it is a directory" : String.valueOf(e.getMessage());
            throw new ConfigException("cannot read config file " + file + ": " + why, e);
        }
        return new Loaded(fromJson(json, file.toString(), env), file.toString());
    }

    /** Builds a config from JSON text (a partial document: missing keys keep their defaults). */
    public static GatewayConfig fromJson(String json, Map<String, String> env) {
        return fromJson(json, "config", env);
    }

    /** Shorthand for tests: a config from JSON, no environment. */
    public static GatewayConfig fromJson(String json) {
        return fromJson(json, Map.of());
    }

    /** Key path → environment variable name for every key, ordered like the defaults. */
    public static Map<String, String> envNames() {
        return ConfigKeys.envNames();
    }

    /**
     * The leaf key paths (as in {@link #envNames()}) whose values differ between {@code a} and
     * {@code b}, in catalogue order; a list ({@code forwardProviders}, networks) is one key.
     */
    public static List<String> changedKeys(GatewayConfig a, GatewayConfig b) {
        JsonNode left = MAPPER.valueToTree(a);
        JsonNode right = MAPPER.valueToTree(b);
        List<String> changed = new ArrayList<>();
        for (String path : ConfigKeys.KEYS.keySet()) {
            JsonPointer at = JsonPointer.compile("/" + path.replace('.', '/'));
            if (!left.at(at).equals(right.at(at))) {
                changed.add(path);
            }
        }
        return changed;
    }

    /**
     * The configuration as pretty-printed JSON, every non-empty password and token replaced by
     * {@code "****"} (for {@code --check-config}). Parsing it back gives the same config except
     * for the masked secrets.
     */
    public static String toMaskedJson(GatewayConfig config) {
        JsonNode tree = MAPPER.valueToTree(config);
        mask(tree);
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print a JSON tree", e);
        }
    }

    static GatewayConfig fromJson(String json, String source, Map<String, String> env) {
        ObjectNode tree = ConfigKeys.defaultsTree();
        JsonNode file = parse(json, source);
        if (!file.isObject()) {
            throw new ConfigException(source + " must be a JSON object { ... }, got "
                    + (file.isMissingNode() ? "an empty document" : ConfigMerger.describe(file, "")));
        }
        ConfigMerger.mergeObject(tree, (ObjectNode) file, GatewayConfig.class, "");
        Map<String, String> fromEnv = EnvOverrides.apply(tree, env);
        try {
            return bind(tree, GatewayConfig.class);
        } catch (ConfigException e) {
            throw attributeToEnv(e, fromEnv);
        }
    }

    /** Binds a merged tree; a compact constructor's ConfigException comes out unwrapped. */
    static <T> T bind(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            // Jackson wraps what a constructor throws (ValueInstantiationException, nested once
            // per record level): the ConfigException inside carries the message for the user.
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof ConfigException ce) {
                    throw ce;
                }
            }
            throw new ConfigException("invalid configuration: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode parse(String json, String source) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(source + where + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Adds "(from environment variable X)" when the failing key was set from the environment. */
    private static ConfigException attributeToEnv(ConfigException e, Map<String, String> fromEnv) {
        List<String> paths = new ArrayList<>(fromEnv.keySet());
        paths.sort(Comparator.comparingInt(String::length).reversed());
        for (String path : paths) {
            if (e.getMessage().startsWith(path + " ")) {
                return new ConfigException(e.getMessage() + " (from environment variable "
                        + fromEnv.get(path) + ")", e);
            }
        }
        return e;
    }

    private static void mask(JsonNode node) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                JsonNode v = e.getValue();
                if (ConfigKeys.isSecret(e.getKey()) && v.isTextual() && !v.asText().isEmpty()) {
                    o.set(e.getKey(), TextNode.valueOf(Secrets.MASK));
                } else if (v.isTextual() && v.asText().matches("(?s)[a-zA-Z][a-zA-Z0-9+.-]*://[^/@]*@.*")) {
                    // a URI with credentials (rateLimits.redis.uri): hide the user-info part
                    o.set(e.getKey(), TextNode.valueOf(v.asText().replaceFirst("//[^/@]*@", "//" + Secrets.MASK + "@")));
                } else {
                    mask(v);
                }
            }
        } else if (node.isArray()) {
            node.forEach(ConfigLoader::mask);
        }
    }
}
