package dev.mailgateway.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads the configuration: built-in defaults, overlaid by the JSON file (comments allowed),
 * overlaid by environment variables (key path in UPPER_SNAKE_CASE, dots to '_').
 *
 * <p>How: the defaults are turned into a JSON tree, the file's tree is merged onto it key by
 * key (unknown keys are errors), then the environment, and the result is bound to
 * {@link GatewayConfig}, whose compact constructors validate each value.
 *
 * <p>FOUNDATION SKELETON: env overrides, unknown-key suggestions and error positions are
 * completed in issue #2.
 */
public final class ConfigLoader {

    /** The result: the config and where it came from, for the start-up log. */
    public record Loaded(GatewayConfig config, String source) {
    }

    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .findAndAddModules()
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
            return new Loaded(fromJson("{}", env), "built-in defaults");
        }
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return new Loaded(fromJson(json, env), file.toString());
    }

    /** Builds a config from JSON text (a partial document: missing keys keep their defaults). */
    public static GatewayConfig fromJson(String json, Map<String, String> env) {
        ObjectNode tree = MAPPER.valueToTree(GatewayConfig.defaults());
        JsonNode file;
        try {
            file = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (file != null && !file.isMissingNode()) {
            if (!file.isObject()) {
                throw new ConfigException("config must be a JSON object");
            }
            merge(tree, (ObjectNode) file, "");
        }
        try {
            return MAPPER.treeToValue(tree, GatewayConfig.class);
        } catch (JsonProcessingException e) {
            Throwable c = e.getCause();
            if (c instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(e.getOriginalMessage(), e);
        }
    }

    /** Shorthand for tests: a config from JSON, no environment. */
    public static GatewayConfig fromJson(String json) {
        return fromJson(json, Map.of());
    }

    private static void merge(ObjectNode target, ObjectNode source, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode existing = target.get(e.getKey());
            if (existing == null) {
                throw new ConfigException("unknown config key \"" + key + "\"");
            }
            if (existing.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) existing, (ObjectNode) e.getValue(), key);
            } else if ("forwardProviders".equals(key) && e.getValue().isArray()) {
                ArrayNode out = MAPPER.createArrayNode();
                for (JsonNode p : e.getValue()) {
                    ObjectNode base = MAPPER.valueToTree(ProviderConfig.template());
                    if (!p.isObject()) {
                        throw new ConfigException("forwardProviders entries must be objects");
                    }
                    merge(base, (ObjectNode) p, key + "[]");
                    out.add(base);
                }
                target.set(e.getKey(), out);
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }
}
