package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    private static void assertError(String json, String message) {
        assertThatThrownBy(() -> ConfigLoader.fromJson(json))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    // ---- loading and file overrides ----

    @Test
    void noFileGivesBuiltInDefaults() {
        ConfigLoader.Loaded loaded = ConfigLoader.load(null, Map.of());
        assertThat(loaded.config()).isEqualTo(GatewayConfig.defaults());
        assertThat(loaded.source()).isEqualTo("built-in defaults");
    }

    @Test
    void fileOverridesTopLevelAndNestedKeysAndKeepsOtherDefaults() throws IOException {
        Path f = write("""
                {
                  "smtpHost": "0.0.0.0", "smtpPort": 2525,
                  "defaultUsername": "app", "defaultPassword": "pw",
                  "forwardSMTP": true, "forwardHost": "relay.example.com", "forwardPort": 465,
                  "forwardSSL": true, "batchSize": 50, "batchDelay": 0, "continueOnError": false,
                  "enableHealthCheck": false, "healthCheckPort": 0, "workerCount": 8,
                  "queueSize": 5000, "processingTimeout": 60, "emailsDir": "/var/mail/gw",
                  "rateLimits": {"enabled": true, "maxPerHour": 10},
                  "security": {"allowLocalOnly": false, "allowedNetworks": ["10.0.0.0/8", "fd00::/8"]},
                  "retry": {"maxAttempts": 9, "multiplier": 1.5, "maxDelayMs": 60000},
                  "limits": {"maxMessageSizeBytes": 1048576},
                  "spool": {"fsync": false},
                  "tls": {"certFile": "/etc/gw/cert.pem", "keyFile": "/etc/gw/key.pem"},
                  "smtp": {"bareLineFeed": "reject"},
                  "relay": {"poolMaxPerUpstream": 2},
                  "admin": {"token": "t0k"}
                }""");
        ConfigLoader.Loaded loaded = ConfigLoader.load(f, Map.of());
        GatewayConfig c = loaded.config();
        assertThat(loaded.source()).isEqualTo(f.toString());
        assertThat(c.smtpHost()).isEqualTo("0.0.0.0");
        assertThat(c.smtpPort()).isEqualTo(2525);
        assertThat(c.hasInboundCredentials()).isTrue();
        assertThat(c.effectiveProviders()).containsExactly(
                new ProviderConfig("relay.example.com", 465, "", "", true, 0, false));
        assertThat(c.batchSize()).isEqualTo(50);
        assertThat(c.batchDelay()).isZero();
        assertThat(c.continueOnError()).isFalse();
        assertThat(c.enableHealthCheck()).isFalse();
        assertThat(c.healthCheckPort()).isZero();
        assertThat(c.workerCount()).isEqualTo(8);
        assertThat(c.queueSize()).isEqualTo(5000);
        assertThat(c.processingTimeout()).isEqualTo(60);
        assertThat(c.emailsDir()).isEqualTo("/var/mail/gw");
        assertThat(c.rateLimits()).isEqualTo(new RateLimitsConfig(true, 10, 2000, 1000, 5000));
        assertThat(c.security().allowLocalOnly()).isFalse();
        assertThat(c.security().requireAuth()).isTrue();
        assertThat(c.security().allowedNetworks()).containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(c.retry()).isEqualTo(new RetryConfig(9, 1000, 60_000, 1.5, 600_000));
        assertThat(c.limits().maxMessageSizeBytes()).isEqualTo(1_048_576L);
        assertThat(c.limits().maxRecipients()).isEqualTo(1000);
        assertThat(c.spool().fsync()).isFalse();
        assertThat(c.tls().enabled()).isTrue();
        assertThat(c.smtp().rejectBareLineFeed()).isTrue();
        assertThat(c.smtp().maxLineLength()).isEqualTo(512);
        assertThat(c.relay().poolMaxPerUpstream()).isEqualTo(2);
        assertThat(c.relay().connectTimeoutMs()).isEqualTo(30_000);
        assertThat(c.admin().token()).isEqualTo("t0k");
    }

    @Test
    void acceptsLineAndBlockComments() throws IOException {
        Path f = write("""
                // local development config
                {
                  /* the SMTP port,
                     no root needed */
                  "smtpPort": 2525, // trailing comment
                  "security": { /* inline */ "requireAuth": false }
                }
                // a comment after the object is not trailing content
                /* nor is this */
                """);
        GatewayConfig c = ConfigLoader.load(f, Map.of()).config();
        assertThat(c.smtpPort()).isEqualTo(2525);
        assertThat(c.security().requireAuth()).isFalse();
    }

    @Test
    void providerEntriesTakeTemplateDefaultsForMissingFields() {
        GatewayConfig c = ConfigLoader.fromJson("""
                {"forwardProviders": [
                   {"host": "a.example", "port": 465, "username": "u", "password": "p", "ssl": true, "priority": 1},
                   {"host": "b.example", "requireStartTls": true}]}""");
        assertThat(c.forwardProviders()).containsExactly(
                new ProviderConfig("a.example", 465, "u", "p", true, 1, false),
                new ProviderConfig("b.example", 587, "", "", false, 0, true));
    }

    @Test
    void listenPortZeroMeansAnyFreePort() {
        GatewayConfig c = ConfigLoader.fromJson("{\"smtpPort\": 0, \"healthCheckPort\": 0}");
        assertThat(c.smtpPort()).isZero();
        assertThat(c.healthCheckPort()).isZero();
        assertError("{\"forwardPort\": 0}", "forwardPort must be a port number 1-65535, got 0");
    }

    // ---- unknown keys ----

    @Test
    void unknownKeySuggestsTheClosestKnownKey() {
        assertError("{\"smtpPrt\": 2525}", "unknown config key \"smtpPrt\"; did you mean \"smtpPort\"?");
        assertError("{\"forwardSsl\": true}", "unknown config key \"forwardSsl\"; did you mean \"forwardSSL\"?");
    }

    @Test
    void unknownNestedKeyIsNamedByItsFullPath() {
        assertError("{\"security\": {\"requireAuht\": false}}",
                "unknown config key \"security.requireAuht\"; did you mean \"security.requireAuth\"?");
        assertError("{\"rateLimits\": {\"globalMaxPerHours\": 1}}",
                "unknown config key \"rateLimits.globalMaxPerHours\"; did you mean \"rateLimits.globalMaxPerHour\"?");
        assertError("{\"forwardProviders\": [{\"host\": \"a\"}, {\"host\": \"b\", \"pasword\": \"x\"}]}",
                "unknown config key \"forwardProviders[1].pasword\"; did you mean \"forwardProviders[1].password\"?");
    }

    @Test
    void keyAtTheWrongLevelOrInEnvSpellingSuggestsTheRealKey() {
        assertError("{\"requireAuth\": false}",
                "unknown config key \"requireAuth\"; did you mean \"security.requireAuth\"?");
        assertError("{\"SMTP_PORT\": 25}", "unknown config key \"SMTP_PORT\"; did you mean \"smtpPort\"?");
    }

    @Test
    void unknownKeyWithNothingCloseSaysWhereTheKeysAreListed() {
        assertError("{\"colour\": \"blue\"}",
                "unknown config key \"colour\" (valid keys are listed in docs/configuration.md)");
    }

    // ---- wrong types: strict, no coercion ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"smtpPort": "abc"}                       | smtpPort must be an integer, got "abc"
            {"smtpPort": "25"}                        | smtpPort must be an integer, got "25"
            {"smtpPort": 25.5}                        | smtpPort must be an integer, got 25.5
            {"smtpPort": true}                        | smtpPort must be an integer, got true
            {"batchSize": 3000000000}                 | batchSize must be an integer between -2147483648 and 2147483647, got 3000000000
            {"limits": {"maxMessageSizeBytes": "1"}}  | limits.maxMessageSizeBytes must be an integer, got "1"
            {"retry": {"multiplier": "2"}}            | retry.multiplier must be a number, got "2"
            {"forwardSSL": "true"}                    | forwardSSL must be true or false, got "true"
            {"forwardSSL": 1}                         | forwardSSL must be true or false, got 1
            {"smtpHost": 127}                         | smtpHost must be a string, got 127
            {"rateLimits": true}                      | rateLimits must be an object {...}, got true
            {"security": {"allowedNetworks": "10.0.0.0/8"}} | security.allowedNetworks must be a list of strings like ["10.0.0.0/8"], got "10.0.0.0/8"
            {"security": {"allowedNetworks": [10]}}   | security.allowedNetworks[0] must be a string, got 10
            {"forwardProviders": {"host": "a"}}       | forwardProviders must be a list of provider objects like [{"host": "smtp.example.com", "port": 587}], got {"host":"a"}
            {"forwardProviders": ["a.example"]}       | forwardProviders[0] must be an object {"host": ..., "port": ...}, got "a.example"
            {"forwardProviders": [{"port": 25}]}      | forwardProviders[0].host is required: the upstream's host name
            {"forwardProviders": [{"host": "a", "port": "25"}]} | forwardProviders[0].port must be an integer, got "25"
            """)
    void wrongTypeNamesTheKeyAndTheExpectedType(String json, String message) {
        assertError(json, message);
    }

    @Test
    void wrongTypeForASecretDoesNotPrintTheValue() {
        assertError("{\"defaultPassword\": 123456}", "defaultPassword must be a string, got a number");
        assertError("{\"forwardProviders\": [{\"host\": \"a\", \"password\": [\"x\"]}]}",
                "forwardProviders[0].password must be a string, got an array");
    }

    @Test
    void nullIsAnErrorNamingTheKey() {
        assertError("{\"smtpPort\": null}",
                "smtpPort must not be null: leave the key out to keep its default (25)");
        assertError("{\"security\": null}",
                "security must not be null: leave the key out to keep its default");
        assertError("{\"retry\": {\"multiplier\": null}}",
                "retry.multiplier must not be null: leave the key out to keep its default (2.0)");
    }

    // ---- out of range (the compact constructors' messages survive Jackson's wrapping) ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"smtpPort": 65536}                         | smtpPort must be a port number 1-65535 (0 = any free port), got 65536
            {"smtpPort": -1}                            | smtpPort must be a port number 1-65535 (0 = any free port), got -1
            {"healthCheckPort": 70000}                  | healthCheckPort must be a port number 1-65535 (0 = any free port), got 70000
            {"forwardPort": 65536}                      | forwardPort must be a port number 1-65535, got 65536
            {"forwardProviders": [{"host": "a", "port": 0}]} | forwardProviders[0].port must be a port number 1-65535, got 0
            {"batchSize": 0}                            | batchSize must be > 0, got 0
            {"workerCount": -3}                         | workerCount must be > 0, got -3
            {"queueSize": 2, "workerCount": 3}          | queueSize must be >= workerCount (3) so every worker has a queue slot, got 2
            {"batchDelay": -1}                          | batchDelay must be >= 0, got -1
            {"rateLimits": {"maxPerDay": 0}}            | rateLimits.maxPerDay must be > 0, got 0
            {"limits": {"maxMessageSizeBytes": 0}}      | limits.maxMessageSizeBytes must be > 0, got 0
            {"limits": {"maxConnectionsPerIp": 0}}      | limits.maxConnectionsPerIp must be > 0, got 0
            {"retry": {"multiplier": 0.5}}              | retry.multiplier must be >= 1.0, got 0.5
            {"relay": {"connectTimeoutMs": 0}}          | relay.connectTimeoutMs must be > 0, got 0
            {"smtp": {"maxLineLength": 100}}            | smtp.maxLineLength must be between 512 and 65536, got 100
            {"smtp": {"bareLineFeed": "drop"}}          | smtp.bareLineFeed must be "normalize" or "reject", got "drop"
            {"smtpHost": " "}                           | smtpHost must be a non-empty string, got " "
            {"tls": {"certFile": "/c.pem"}}             | tls.certFile and tls.keyFile must both be set or both be empty, got certFile="/c.pem" keyFile=""
            """)
    void outOfRangeNamesTheKeyAndTheRange(String json, String message) {
        assertError(json, message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0/8      | security.allowedNetworks entries must be CIDR networks like 10.0.0.0/8, got "10.0.0/8"
            256.1.1.1     | security.allowedNetworks entries must be CIDR networks like 10.0.0.0/8, got "256.1.1.1"
            mail.example  | security.allowedNetworks entries must be CIDR networks like 10.0.0.0/8, got "mail.example"
            10.0.0.0/33   | security.allowedNetworks entry "10.0.0.0/33" has a prefix length outside 0-32
            10.0.0.0/x    | security.allowedNetworks entry "10.0.0.0/x" has a prefix length outside 0-32
            ::1/129       | security.allowedNetworks entry "::1/129" has a prefix length outside 0-128
            """)
    void badCidrIsAnErrorNamingTheList(String cidr, String message) {
        assertError("{\"security\": {\"allowedNetworks\": [\"" + cidr + "\"]}}", message);
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"security\": {\"adminAllowedNetworks\": [\"" + cidr + "\"]}}"))
                .hasMessageContaining("security.adminAllowedNetworks");
    }

    // ---- unreadable and malformed files ----

    @Test
    void missingFileIsAnError() {
        Path f = dir.resolve("nope.json");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read config file " + f + ": no such file");
    }

    @Test
    void directoryIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read config file " + dir + ": it is a directory");
    }

    @Test
    void unreadableFileIsAnError() throws IOException {
        Path f = write("{}");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(f), "running as root: permissions are not enforced");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read config file " + f + ": permission denied");
    }

    @Test
    void fileThatIsNotUtf8IsAnError() throws IOException {
        Path f = dir.resolve("latin1.json");
        Files.write(f, "{\"smtpHost\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read config file " + f + ": not valid UTF-8 text");
    }

    @Test
    void malformedJsonGivesFileLineAndColumn() throws IOException {
        Path f = write("{\n  \"smtpPort\": 2525,\n  \"smtpHost\" \"0.0.0.0\"\n}\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + " line 3, column 14: Unexpected character ('\"'")
                .hasMessageContaining("was expecting a colon");
    }

    @Test
    void trailingCommaIsReportedWithItsPosition() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtpPort\": 25,\n}"))
                .hasMessageStartingWith("config line 2, column 1: ");
    }

    @Test
    void unterminatedCommentIsReportedWithItsPosition() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{ /* never closed\n\"smtpPort\": 25 }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config line ")
                .hasMessageContaining("comment");
    }

    @Test
    void duplicateKeyIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtpPort\": 25,\n \"smtpPort\": 26}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config line 2, column ")
                .hasMessageContaining("Duplicate field 'smtpPort'");
    }

    @Test
    void contentAfterTheObjectIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"smtpPort\": 25} {}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config line 1, column ");
    }

    @Test
    void documentMustBeAnObject() {
        assertError("", "config must be a JSON object { ... }, got an empty document");
        assertError("// only a comment", "config must be a JSON object { ... }, got an empty document");
        assertError("[]", "config must be a JSON object { ... }, got []");
        assertError("25", "config must be a JSON object { ... }, got 25");
    }

    // ---- masked JSON for --check-config ----

    @Test
    void maskedJsonHidesEverySecretAndKeepsEverythingElse() throws IOException {
        GatewayConfig c = ConfigLoader.fromJson("""
                {"smtpPort": 2525, "defaultUsername": "alice", "defaultPassword": "s3cret-in",
                 "forwardPassword": "s3cret-out",
                 "forwardProviders": [{"host": "a.example", "password": "s3cret-prov"}, {"host": "b.example"}],
                 "admin": {"token": "s3cret-token"}}""");
        String json = ConfigLoader.toMaskedJson(c);
        assertThat(json).doesNotContain("s3cret").contains("\n");
        JsonNode tree = ConfigLoader.MAPPER.readTree(json);
        assertThat(tree.get("defaultPassword").asText()).isEqualTo("****");
        assertThat(tree.get("forwardPassword").asText()).isEqualTo("****");
        assertThat(tree.at("/forwardProviders/0/password").asText()).isEqualTo("****");
        assertThat(tree.at("/forwardProviders/1/password").asText()).isEmpty();
        assertThat(tree.at("/admin/token").asText()).isEqualTo("****");
        assertThat(tree.get("defaultUsername").asText()).isEqualTo("alice");
        // Everything but the secrets reads back to the same config.
        GatewayConfig back = ConfigLoader.fromJson(json);
        assertThat(back.smtpPort()).isEqualTo(2525);
        assertThat(back.defaultPassword()).isEqualTo("****");
        assertThat(back.forwardProviders()).extracting(ProviderConfig::host).containsExactly("a.example", "b.example");
    }

    @Test
    void maskedJsonOfTheDefaultsReadsBackToTheDefaults() {
        assertThat(ConfigLoader.fromJson(ConfigLoader.toMaskedJson(GatewayConfig.defaults())))
                .isEqualTo(GatewayConfig.defaults());
    }
}
