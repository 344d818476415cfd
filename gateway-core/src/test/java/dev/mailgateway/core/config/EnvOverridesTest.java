package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvOverridesTest {

    @TempDir
    Path dir;

    private static GatewayConfig env(Map<String, String> env) {
        return ConfigLoader.fromJson("{}", env);
    }

    private static void assertEnvError(Map<String, String> env, String message) {
        assertThatThrownBy(() -> env(env)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    // ---- names ----

    @Test
    void namesFollowTheIssueExamples() {
        Map<String, String> names = ConfigLoader.envNames();
        assertThat(names).contains(
                Map.entry("smtpHost", "SMTP_HOST"),
                Map.entry("smtpPort", "SMTP_PORT"),
                Map.entry("defaultUsername", "DEFAULT_USERNAME"),
                Map.entry("defaultPassword", "DEFAULT_PASSWORD"),
                Map.entry("forwardSMTP", "FORWARD_SMTP"),
                Map.entry("forwardHost", "FORWARD_HOST"),
                Map.entry("forwardSSL", "FORWARD_SSL"),
                Map.entry("forwardProviders", "FORWARD_PROVIDERS"),
                Map.entry("rateLimits.globalMaxPerHour", "RATE_LIMITS_GLOBAL_MAX_PER_HOUR"),
                Map.entry("security.requireAuth", "SECURITY_REQUIRE_AUTH"),
                Map.entry("security.allowedNetworks", "SECURITY_ALLOWED_NETWORKS"),
                Map.entry("retry.maxAttempts", "RETRY_MAX_ATTEMPTS"),
                Map.entry("limits.maxConnectionsPerIp", "LIMITS_MAX_CONNECTIONS_PER_IP"),
                Map.entry("tls.certFile", "TLS_CERT_FILE"),
                Map.entry("admin.token", "ADMIN_TOKEN"));
    }

    @Test
    void everyLeafOfTheDefaultsHasOneUniqueNameInDefaultsOrder() {
        Map<String, String> names = ConfigLoader.envNames();
        assertThat(new HashSet<>(names.values())).hasSameSizeAs(names.values());
        assertThat(names.values()).allMatch(n -> n.matches("[A-Z][A-Z0-9_]*")).doesNotContain("CONFIG_FILE");
        // Objects are not keys, their leaves are.
        assertThat(names).doesNotContainKeys("rateLimits", "security", "retry", "limits", "spool", "tls",
                "smtp", "relay", "admin");
        assertThat(names.keySet()).startsWith("smtpHost", "smtpPort").endsWith("admin.token", "forwardTlsLevel", "forwardTlsCaFile");
        // Count the leaves of the defaults tree independently.
        int leaves = countLeaves(ConfigLoader.MAPPER.valueToTree(GatewayConfig.defaults()));
        assertThat(names).hasSize(leaves);
        assertThatThrownBy(() -> names.put("x", "X")).isInstanceOf(UnsupportedOperationException.class);
    }

    private static int countLeaves(com.fasterxml.jackson.databind.JsonNode node) {
        if (!node.isObject()) {
            return 1;
        }
        int n = 0;
        for (var e : node.properties()) {
            n += countLeaves(e.getValue());
        }
        return n;
    }

    @ParameterizedTest
    @CsvSource({
        "smtpPort, SMTP_PORT", "forwardSMTP, FORWARD_SMTP", "forwardSSL, FORWARD_SSL",
        "rateLimits.globalMaxPerHour, RATE_LIMITS_GLOBAL_MAX_PER_HOUR", "a.b, A_B",
        "maxConnectionsPerIp, MAX_CONNECTIONS_PER_IP", "useHTTPProxy, USE_HTTP_PROXY", "ipv6Only, IPV6_ONLY"})
    void envNameIsUpperSnakeCaseWithDotsAsUnderscores(String path, String env) {
        assertThat(ConfigKeys.envName(path)).isEqualTo(env);
    }

    // ---- each type ----

    @Test
    void stringIntAndBoolOverrides() {
        GatewayConfig c = env(Map.of("SMTP_HOST", "0.0.0.0", "SMTP_PORT", "2525",
                "DEFAULT_USERNAME", "admin", "DEFAULT_PASSWORD", " pass word ",
                "FORWARD_SMTP", "TRUE", "FORWARD_HOST", "smtp.example.com", "FORWARD_SSL", "True",
                "CONTINUE_ON_ERROR", "false"));
        assertThat(c.smtpHost()).isEqualTo("0.0.0.0");
        assertThat(c.smtpPort()).isEqualTo(2525);
        assertThat(c.defaultUsername()).isEqualTo("admin");
        assertThat(c.defaultPassword()).isEqualTo(" pass word "); // strings are taken verbatim
        assertThat(c.forwardSMTP()).isTrue();
        assertThat(c.forwardHost()).isEqualTo("smtp.example.com");
        assertThat(c.forwardSSL()).isTrue();
        assertThat(c.continueOnError()).isFalse();
    }

    @Test
    void emptyStringSetsAnEmptyString() {
        GatewayConfig c = ConfigLoader.fromJson("{\"forwardHost\": \"relay.example\"}", Map.of("FORWARD_HOST", ""));
        assertThat(c.forwardHost()).isEmpty();
    }

    @Test
    void longAndDoubleOverrides() {
        GatewayConfig c = env(Map.of("LIMITS_MAX_MESSAGE_SIZE_BYTES", "1048576",
                "RETRY_MAX_DELAY_MS", "3600000", "RETRY_MULTIPLIER", "1.5", "SPOOL_MIN_FREE_DISK_MB", " 0 "));
        assertThat(c.limits().maxMessageSizeBytes()).isEqualTo(1_048_576L);
        assertThat(c.retry().maxDelayMs()).isEqualTo(3_600_000L);
        assertThat(c.retry().multiplier()).isEqualTo(1.5);
        assertThat(c.spool().minFreeDiskMb()).isZero();
        assertThat(env(Map.of("RETRY_MULTIPLIER", "3")).retry().multiplier()).isEqualTo(3.0);
        assertThat(env(Map.of("RETRY_MULTIPLIER", "1e1")).retry().multiplier()).isEqualTo(10.0);
    }

    @Test
    void nestedKeyOverrides() {
        GatewayConfig c = env(Map.of("RATE_LIMITS_ENABLED", "true", "RATE_LIMITS_GLOBAL_MAX_PER_HOUR", "42",
                "SECURITY_REQUIRE_AUTH", "false", "RETRY_MAX_ATTEMPTS", "9", "TLS_CERT_FILE", "/c.pem",
                "TLS_KEY_FILE", "/k.pem", "SMTP_BARE_LINE_FEED", "reject", "RELAY_POOL_MAX_PER_UPSTREAM", "1",
                "ADMIN_TOKEN", "tok", "SPOOL_FSYNC", "false"));
        assertThat(c.rateLimits()).isEqualTo(new RateLimitsConfig(true, 500, 2000, 42, 5000));
        assertThat(c.security().requireAuth()).isFalse();
        assertThat(c.security().allowLocalOnly()).isTrue();
        assertThat(c.retry().maxAttempts()).isEqualTo(9);
        assertThat(c.tls().enabled()).isTrue();
        assertThat(c.smtp().rejectBareLineFeed()).isTrue();
        assertThat(c.relay().poolMaxPerUpstream()).isEqualTo(1);
        assertThat(c.admin().token()).isEqualTo("tok");
        assertThat(c.spool().fsync()).isFalse();
    }

    @Test
    void listOfStringsIsCommaSeparated() {
        GatewayConfig c = env(Map.of("SECURITY_ALLOWED_NETWORKS", "10.0.0.0/8,172.16.0.0/12",
                "SECURITY_ADMIN_ALLOWED_NETWORKS", " 127.0.0.1 , ::1/128 ,"));
        assertThat(c.security().allowedNetworks()).containsExactly("10.0.0.0/8", "172.16.0.0/12");
        assertThat(c.security().adminAllowedNetworks()).containsExactly("127.0.0.1", "::1/128");
    }

    @Test
    void listOfStringsMayBeAJsonArrayOrEmpty() {
        assertThat(env(Map.of("SECURITY_ALLOWED_NETWORKS", "[\"10.0.0.0/8\", \"fd00::/8\"]"))
                .security().allowedNetworks()).containsExactly("10.0.0.0/8", "fd00::/8");
        GatewayConfig c = ConfigLoader.fromJson("{\"security\": {\"allowedNetworks\": [\"10.0.0.0/8\"]}}",
                Map.of("SECURITY_ALLOWED_NETWORKS", ""));
        assertThat(c.security().allowedNetworks()).isEmpty();
    }

    @Test
    void providersAreAJsonArray() {
        GatewayConfig c = env(Map.of("FORWARD_SMTP", "true", "FORWARD_PROVIDERS", """
                [{"host": "b.example", "port": 465, "ssl": true, "priority": 2, "username": "u", "password": "p"},
                 {"host": "a.example", "priority": 1}]"""));
        assertThat(c.effectiveProviders()).containsExactly(
                new ProviderConfig("a.example", 587, "", "", false, 1, false),
                new ProviderConfig("b.example", 465, "u", "p", true, 2, false));
    }

    // ---- precedence ----

    @Test
    void envOverFileOverDefault() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"smtpPort\": 2525, \"batchSize\": 50, \"rateLimits\": {\"maxPerHour\": 7, \"maxPerDay\": 8}}");
        GatewayConfig c = ConfigLoader.load(f, Map.of("SMTP_PORT", "2626", "RATE_LIMITS_MAX_PER_DAY", "9")).config();
        assertThat(c.smtpPort()).isEqualTo(2626);                 // env over file
        assertThat(c.batchSize()).isEqualTo(50);                  // file over default
        assertThat(c.rateLimits().maxPerHour()).isEqualTo(7);     // nested: file over default
        assertThat(c.rateLimits().maxPerDay()).isEqualTo(9);      // nested: env over file
        assertThat(c.rateLimits().globalMaxPerDay()).isEqualTo(5000); // default
        assertThat(c.workerCount()).isEqualTo(5);
    }

    @Test
    void envReplacesAFileListRatherThanAppending() {
        GatewayConfig c = ConfigLoader.fromJson("{\"forwardProviders\": [{\"host\": \"file.example\"}]}",
                Map.of("FORWARD_PROVIDERS", "[{\"host\": \"env.example\"}]"));
        assertThat(c.forwardProviders()).extracting(ProviderConfig::host).containsExactly("env.example");
    }

    @Test
    void envOverridesApplyWithoutAFile() {
        assertThat(ConfigLoader.load(null, Map.of("SMTP_PORT", "2525")).config().smtpPort()).isEqualTo(2525);
    }

    @Test
    void variablesThatAreNotKeysAreIgnored() {
        GatewayConfig c = env(Map.of("PATH", "/usr/bin", "HOME", "/root", "CONFIG_FILE", "/app/config.json",
                "smtp_port", "1", "SMTP_PORTS", "x", "RATE_LIMITS", "{}", "JAVA_TOOL_OPTIONS", "-Xmx1g"));
        assertThat(c).isEqualTo(GatewayConfig.defaults());
    }

    // ---- errors ----

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on", "", "truee", "t"})
    void boolAcceptsOnlyTrueOrFalse(String value) {
        assertEnvError(Map.of("FORWARD_SSL", value),
                "environment variable FORWARD_SSL (forwardSSL) must be true or false, got \"" + value + "\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            SMTP_PORT                     | abc       | environment variable SMTP_PORT (smtpPort) must be an integer, got "abc"
            SMTP_PORT                     | 25.0      | environment variable SMTP_PORT (smtpPort) must be an integer, got "25.0"
            SMTP_PORT                     | 9999999999 | environment variable SMTP_PORT (smtpPort) must be an integer, got "9999999999"
            RETRY_MAX_ATTEMPTS            | ''        | environment variable RETRY_MAX_ATTEMPTS (retry.maxAttempts) must be an integer, got ""
            LIMITS_MAX_MESSAGE_SIZE_BYTES | 10MB      | environment variable LIMITS_MAX_MESSAGE_SIZE_BYTES (limits.maxMessageSizeBytes) must be an integer, got "10MB"
            RETRY_MULTIPLIER              | NaN       | environment variable RETRY_MULTIPLIER (retry.multiplier) must be a number, got "NaN"
            RETRY_MULTIPLIER              | 2d        | environment variable RETRY_MULTIPLIER (retry.multiplier) must be a number, got "2d"
            """)
    void numberThatDoesNotParseNamesTheVariableAndType(String name, String value, String message) {
        assertEnvError(Map.of(name, value), message);
    }

    @Test
    void outOfRangeValueFromEnvNamesKeyAndVariable() {
        assertEnvError(Map.of("SMTP_PORT", "70000"),
                "smtpPort must be a port number 1-65535 (0 = any free port), got 70000 (from environment variable SMTP_PORT)");
        assertEnvError(Map.of("LIMITS_MAX_RECIPIENTS", "0"),
                "limits.maxRecipients must be > 0, got 0 (from environment variable LIMITS_MAX_RECIPIENTS)");
        assertEnvError(Map.of("SMTP_HOST", ""),
                "smtpHost must be a non-empty string, got \"\" (from environment variable SMTP_HOST)");
    }

    @Test
    void badCidrFromEnvNamesTheVariable() {
        assertEnvError(Map.of("SECURITY_ALLOWED_NETWORKS", "10.0.0.0/8,not-a-network"),
                "security.allowedNetworks entries must be CIDR networks like 10.0.0.0/8, got \"not-a-network\""
                        + " (from environment variable SECURITY_ALLOWED_NETWORKS)");
        assertEnvError(Map.of("SECURITY_ALLOWED_NETWORKS", "[10]"),
                "security.allowedNetworks[0] must be a string, got 10 (from environment variable SECURITY_ALLOWED_NETWORKS)");
    }

    @Test
    void malformedProvidersJsonNamesTheVariableAndNeverEchoesTheValue() {
        assertThatThrownBy(() -> env(Map.of("FORWARD_PROVIDERS", "[{\"host\": \"a\", \"password\": hunter2}]")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("environment variable FORWARD_PROVIDERS must be a JSON array of provider objects")
                .hasMessageContaining("column ")
                .hasMessageNotContaining("hunter2");
        assertEnvError(Map.of("FORWARD_PROVIDERS", "smtp.example.com"),
                "environment variable FORWARD_PROVIDERS must be a JSON array of provider objects like "
                        + "[{\"host\":\"smtp.example.com\",\"port\":587}]; column 1: Unrecognized token: was expecting "
                        + "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    }

    @Test
    void badProviderEntryFromEnvNamesTheEntryAndVariable() {
        assertEnvError(Map.of("FORWARD_PROVIDERS", "[{\"host\": \"a\"}, {\"host\": \"b\", \"port\": 0}]"),
                "forwardProviders[1].port must be a port number 1-65535, got 0 (from environment variable FORWARD_PROVIDERS)");
        assertEnvError(Map.of("FORWARD_PROVIDERS", "[{\"hots\": \"a\"}]"),
                "forwardProviders[0].host is required: the upstream's host name (from environment variable FORWARD_PROVIDERS)");
        assertEnvError(Map.of("FORWARD_PROVIDERS", "{\"host\": \"a\"}"),
                "forwardProviders must be a list of provider objects like [{\"host\": \"smtp.example.com\", \"port\": 587}], "
                        + "got {\"host\":\"a\"} (from environment variable FORWARD_PROVIDERS)");
    }

    @Test
    void envIsAppliedOnlyAfterTheFileIsValid() {
        // A file error is reported even when the env would override the same key.
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtpPort\": \"x\"}", Map.of("SMTP_PORT", "25")))
                .hasMessage("smtpPort must be an integer, got \"x\"");
    }
}
