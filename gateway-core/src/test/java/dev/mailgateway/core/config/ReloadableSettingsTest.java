package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What reloads is decided by {@link ReloadableSettings} alone; the docs say the same. */
class ReloadableSettingsTest {

    private static final Pattern CODE = Pattern.compile("`([A-Za-z][A-Za-z0-9.]*(?:\\.\\*)?)`");

    private static List<String> under(String prefix) {
        return ConfigKeys.KEYS.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Test
    void keysAreWhatTheReloaderHasAlwaysApplied() {
        List<String> expected = new ArrayList<>(List.of("rateLimits.enabled", "rateLimits.maxPerHour",
                "rateLimits.maxPerDay", "rateLimits.globalMaxPerHour", "rateLimits.globalMaxPerDay",
                "rateLimits.redis.onError", "defaultUsername", "defaultPassword", "forwardHost",
                "forwardPort", "forwardUsername", "forwardPassword", "forwardSSL", "forwardProviders",
                "batchSize", "batchDelay", "continueOnError", "processingTimeout",
                "security.logAllEmails", "forwardTlsLevel", "forwardTlsCaFile",
                "smtp.requireAngleBrackets"));
        expected.addAll(under("retry."));
        expected.addAll(under("relay."));
        assertThat(ReloadableSettings.KEYS).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ReloadableSettings.isReloadable("security.requireAuth")).isFalse();
        assertThat(ReloadableSettings.isReloadable("smtp.maxAuthFailures")).isFalse();
        assertThat(ReloadableSettings.isReloadable("smtp.authFailureDelayMs")).isFalse();
        assertThat(ReloadableSettings.isReloadable("rateLimits.redis.uri")).isFalse();
    }

    @Test
    void applyTakesEveryReloadableChangeAndNothingElse() {
        GatewayConfig running = GatewayConfig.defaults();
        GatewayConfig next = ConfigLoader.fromJson("""
                {"rateLimits": {"enabled": true, "maxPerHour": 7, "maxPerDay": 8, "globalMaxPerHour": 9,
                                "globalMaxPerDay": 10,
                                "redis": {"uri": "redis://r.example:6379", "onError": "allow"}},
                 "defaultUsername": "u", "defaultPassword": "p", "forwardHost": "h.example",
                 "forwardPort": 2525, "forwardUsername": "fu", "forwardPassword": "fp",
                 "forwardProviders": [{"host": "a.example"}], "batchSize": 3, "batchDelay": 7,
                 "continueOnError": false, "retry": {"maxAttempts": 9}, "relay": {"commandTimeoutSec": 11},
                 "processingTimeout": 77, "smtpPort": 2526, "forwardSMTP": true,
                 "security": {"logAllEmails": false, "requireAuth": false},
                 "smtp": {"requireAngleBrackets": true, "maxAuthFailures": 9, "authFailureDelayMs": 5},
                 "limits": {"maxRecipients": 7}}""");

        GatewayConfig merged = ReloadableSettings.apply(running, next);

        List<String> changed = ConfigLoader.changedKeys(running, next);
        assertThat(ConfigLoader.changedKeys(running, merged))
                .containsExactlyElementsOf(changed.stream().filter(ReloadableSettings::isReloadable).toList())
                .hasSize(21);
        assertThat(ConfigLoader.changedKeys(merged, next)).containsExactlyInAnyOrder("smtpPort", "forwardSMTP",
                "security.requireAuth", "smtp.maxAuthFailures", "smtp.authFailureDelayMs", "limits.maxRecipients",
                "rateLimits.redis.uri");
        assertThat(ReloadableSettings.of(merged)).usingRecursiveComparison()
                .ignoringFields("rateLimits.redis.uri").isEqualTo(ReloadableSettings.of(next));
        assertThat(merged.rateLimits().redis().uri()).isEmpty(); // the Redis client is made at start
        assertThat(ReloadableSettings.of(merged).toString()).doesNotContain("fp").contains("defaultPassword=****");
    }

    @Test
    void liveConfigReplaceAppliesOnlyTheReloadableSettings() {
        LiveConfig live = new LiveConfig(GatewayConfig.defaults());
        live.replace(ConfigLoader.fromJson("{\"smtpPort\": 2526, \"batchSize\": 3}"));
        assertThat(live.settings().batchSize()).isEqualTo(3);
        assertThat(live.current().batchSize()).isEqualTo(3);
        assertThat(live.current().smtpPort()).isEqualTo(GatewayConfig.DEFAULT_SMTP_PORT);
    }

    /** docs/operations.md's "Applied at once" list names exactly {@link ReloadableSettings#KEYS}. */
    @Test
    void operationsDocListsTheReloadableKeys() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "operations.md"));
        int from = doc.indexOf("- **Applied at once:**");
        int to = doc.indexOf("Logged as", from);
        assertThat(from).as("the Applied at once bullet in docs/operations.md").isPositive();
        Set<String> documented = new LinkedHashSet<>();
        Matcher m = CODE.matcher(doc.substring(from, to));
        while (m.find()) {
            String key = m.group(1);
            if (key.endsWith(".*")) {
                List<String> section = under(key.substring(0, key.length() - 1));
                assertThat(section).as("keys of %s", key).isNotEmpty();
                documented.addAll(section);
            } else {
                documented.add(key);
            }
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(ReloadableSettings.KEYS);
    }

    /** Every key docs/smtp.md marks "(read live)" or "reloadable" is one a reload applies. */
    @Test
    void smtpDocMarksOnlyReloadableKeysAsLive() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "smtp.md"));
        Matcher m = Pattern.compile("`([A-Za-z][A-Za-z0-9.]*)`[^`\\n]{0,20}\\((?:read live|reloadable)").matcher(doc);
        int found = 0;
        while (m.find()) {
            found++;
            assertThat(ReloadableSettings.isReloadable(m.group(1))).as("%s is marked read live", m.group(1)).isTrue();
        }
        assertThat(found).isPositive();
    }
}
