package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the configuration docs true to the code: the key tables in README.md (every key, its
 * type, default and environment variable, in both directions) and the rules and examples in
 * docs/configuration.md.
 */
class ConfigurationDocTest {

    private static final List<Path> DOCS = List.of(
            Path.of("..", "docs", "configuration.md"), Path.of("..", "README.md"));
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|(.*)$");

    private static String doc;
    /** key → the row's remaining cells. */
    private static final Map<String, List<String>> rows = new LinkedHashMap<>();

    @BeforeAll
    static void read() throws IOException {
        StringBuilder all = new StringBuilder();
        for (Path p : DOCS) {
            all.append(Files.readString(p)).append('\n');
        }
        doc = all.toString();
        for (String line : doc.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                List<String> cells = new ArrayList<>();
                for (String c : m.group(2).split("\\|")) {
                    cells.add(c.trim());
                }
                assertThat(rows.put(m.group(1), cells)).as("row for %s appears once", m.group(1)).isNull();
            }
        }
    }

    @Test
    void everyKeyHasARowWithItsTypeDefaultAndEnvName() {
        for (ConfigKeys.Key k : ConfigKeys.KEYS.values()) {
            List<String> cells = rows.get(k.path());
            assertThat(cells).as("README.md has a row for %s", k.path()).isNotNull();
            assertThat(cells.get(0)).as("type of %s", k.path()).isEqualTo(k.kind().docName);
            assertThat(cells.get(1)).as("default of %s", k.path()).isEqualTo("`" + k.defaultValue() + "`");
            assertThat(cells.get(2)).as("env var of %s", k.path()).isEqualTo("`" + k.env() + "`");
            assertThat(cells.get(3)).as("meaning of %s", k.path()).isNotBlank();
        }
    }

    @Test
    void keysTableIsInTheOrderOfTheDefaults() {
        List<String> documented = rows.keySet().stream().filter(ConfigKeys.KEYS::containsKey).toList();
        assertThat(documented).containsExactlyElementsOf(ConfigLoader.envNames().keySet());
    }

    @Test
    void everyProviderFieldHasARowWithItsTypeAndDefault() {
        JsonNode template = ConfigLoader.MAPPER.valueToTree(ProviderConfig.template());
        for (RecordComponent c : ProviderConfig.class.getRecordComponents()) {
            String key = "forwardProviders[]." + c.getName();
            List<String> cells = rows.get(key);
            assertThat(cells).as("README.md has a row for %s", key).isNotNull();
            assertThat(cells.get(0)).as("type of %s", key).isEqualTo(ConfigKeys.kindOf(c).docName);
            String expected = c.getName().equals("host") ? "required" : "`" + template.get(c.getName()) + "`";
            assertThat(cells.get(1)).as("default of %s", key).isEqualTo(expected);
        }
    }

    @Test
    void noRowForAKeyThatDoesNotExist() {
        for (String key : rows.keySet()) {
            boolean provider = key.startsWith("forwardProviders[].")
                    && ConfigKeys.component(ProviderConfig.class, key.substring("forwardProviders[].".length())) != null;
            assertThat(ConfigKeys.KEYS.containsKey(key) || provider).as("%s is a config key", key).isTrue();
        }
    }

    @Test
    void everyEnvNameMentionedIsAKeyOrTheLaunchersConfigFile() {
        Matcher m = Pattern.compile("`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`|\\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)=").matcher(doc);
        List<String> mentioned = new ArrayList<>();
        while (m.find()) {
            mentioned.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        assertThat(mentioned).isNotEmpty();
        for (String name : mentioned) {
            assertThat(ConfigLoader.envNames().containsValue(name) || name.equals("CONFIG_FILE"))
                    .as("%s is an environment variable the loader reads", name).isTrue();
        }
    }

    @Test
    void examplesInTheDocAreValidConfigs() {
        Matcher m = Pattern.compile("```jsonc?\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int examples = 0;
        while (m.find()) {
            ConfigLoader.fromJson(m.group(1));
            examples++;
        }
        assertThat(examples).as("json examples in docs/configuration.md (2) and README.md (1)").isEqualTo(3);
    }
}
