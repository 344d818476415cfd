package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigKeysTest {

    @ParameterizedTest
    @CsvSource({"kitten, sitting, 3", "host, hots, 1", "smtpport, smtpprt, 1", "'', abc, 3", "same, same, 0"})
    void distanceCountsEditsAndTranspositions(String a, String b, int d) {
        assertThat(ConfigKeys.distance(a, b)).isEqualTo(d);
        assertThat(ConfigKeys.distance(b, a)).isEqualTo(d);
    }

    @Test
    void suggestionIgnoresCaseAndUnderscores() {
        List<String> top = List.of("smtpHost", "smtpPort", "forwardSSL");
        assertThat(ConfigKeys.suggest("", "SMTPPORT", top, false)).isEqualTo("smtpPort");
        assertThat(ConfigKeys.suggest("", "forward_ssl", top, false)).isEqualTo("forwardSSL");
        assertThat(ConfigKeys.suggest("", "smtpHots", top, false)).isEqualTo("smtpHost");
    }

    @Test
    void noSuggestionWhenNothingIsClose() {
        assertThat(ConfigKeys.suggest("", "colour", List.of("smtpHost", "smtpPort"), true)).isNull();
        assertThat(ConfigKeys.suggest("", "ab", List.of("cd"), false)).isNull();
    }

    @Test
    void globalSuggestionFindsNestedKeysByLeafOrEnvName() {
        List<String> top = List.of("smtpHost", "security");
        assertThat(ConfigKeys.suggest("", "requireAuth", top, true)).isEqualTo("security.requireAuth");
        assertThat(ConfigKeys.suggest("", "RATE_LIMITS_MAX_PER_HOUR", top, true)).isEqualTo("rateLimits.maxPerHour");
        // A sibling that is as close wins over a key elsewhere.
        assertThat(ConfigKeys.suggest("smtp", "hostnme", List.of("hostname"), true)).isEqualTo("smtp.hostname");
    }

    @Test
    void kindsComeFromTheRecordTypes() {
        assertThat(ConfigKeys.KEYS.get("smtpHost").kind()).isEqualTo(ConfigKeys.Kind.STRING);
        assertThat(ConfigKeys.KEYS.get("smtpPort").kind()).isEqualTo(ConfigKeys.Kind.INT);
        assertThat(ConfigKeys.KEYS.get("limits.maxMessageSizeBytes").kind()).isEqualTo(ConfigKeys.Kind.LONG);
        assertThat(ConfigKeys.KEYS.get("retry.multiplier").kind()).isEqualTo(ConfigKeys.Kind.DOUBLE);
        assertThat(ConfigKeys.KEYS.get("spool.fsync").kind()).isEqualTo(ConfigKeys.Kind.BOOL);
        assertThat(ConfigKeys.KEYS.get("security.allowedNetworks").kind()).isEqualTo(ConfigKeys.Kind.STRING_LIST);
        assertThat(ConfigKeys.KEYS.get("forwardProviders").kind()).isEqualTo(ConfigKeys.Kind.PROVIDER_LIST);
    }

    @Test
    void defaultsTreeIsACopy() {
        ConfigKeys.defaultsTree().put("smtpPort", 1);
        assertThat(ConfigKeys.defaultsTree().get("smtpPort").intValue()).isEqualTo(25);
    }

    @Test
    void secretsAreThePasswordsAndTheToken() {
        assertThat(List.of("defaultPassword", "forwardPassword", "forwardProviders[0].password", "admin.token"))
                .allMatch(ConfigKeys::isSecret);
        assertThat(List.of("defaultUsername", "forwardHost", "tls.keyFile")).noneMatch(ConfigKeys::isSecret);
    }
}
