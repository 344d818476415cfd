package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 point 1: outbound TLS levels (Postfix's smtp_tls_security_level) against the scripted
 * upstream presenting a self-signed certificate made in the test. No context is passed to the
 * relay: it builds its own from each provider's level and tlsCaFile, as in production.
 */
class TlsLevelsRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    private RelayHarness relay(ProviderConfig p) {
        return relays.relay(RelayExtension.settings(p), null);
    }

    private ScriptedUpstream selfSignedUpstream() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.startTls = TestCerts.get().serverContext();
        return up;
    }

    private static ProviderConfig provider(int port, String user, String level, String caFile) {
        return new ProviderConfig("127.0.0.1", port, user, user.isEmpty() ? "" : "pw-123", false, 0, false,
                level, caFile);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> providerDetails(RelayHarness h) {
        return ((List<Map<String, String>>) h.relay.healthCheck().details().get("providers")).get(0);
    }

    @Test
    void defaultLevelDeliversOverTlsWithAnUntrustedCertificate_likePostfixMay() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        RelayHarness h = relay(provider(up.port(), "", "", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Default", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions.get(0).tls()).as("still encrypted").isTrue();
        Map<String, String> d = providerDetails(h);
        assertThat(d.get("tlsLevel")).startsWith("may (default");
        assertThat(d.get("tls")).contains("certificate not verified").contains("certification path");
    }

    @Test
    void defaultLevelNeverSendsCredentialsOverUnverifiedTls() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        up.authUser = "relay";
        up.authPass = "pw-123";
        RelayHarness h = relay(provider(up.port(), "relay", "", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("NoAuth", "x\r\n"));

        // the provider is down, not the message: it waits without using an attempt (issue #12)
        assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("refusing to send credentials")
                .contains("not verified").contains("tlsCaFile").contains("encrypt");
        assertThat(h.spool.journal(id)).isEmpty();
        assertThat(up.commands).noneMatch(c -> c.startsWith("AUTH"));
        assertThat(up.transactions).isEmpty();
    }

    @Test
    void encryptSendsCredentialsOverUnverifiedTlsWhenChosenExplicitly() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        up.authUser = "relay";
        up.authPass = "pw-123";
        RelayHarness h = relay(provider(up.port(), "relay", "encrypt", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Encrypt", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions.get(0).tls()).isTrue();
        assertThat(up.transactions.get(0).authUser()).isEqualTo("relay");
    }

    @Test
    void verifyWithTheCaFileDelivers() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        Path ca = TestCerts.get().writePem(dir.resolve("ca.pem"));
        RelayHarness h = relay(provider(up.port(), "", "verify", ca.toString()));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Verify", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions.get(0).tls()).isTrue();
        assertThat(providerDetails(h).get("tls")).contains("certificate verified").doesNotContain("not");
    }

    @Test
    void defaultLevelSendsCredentialsOverVerifiedTlsOnEveryConnection_resumedSessionsToo() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        up.authUser = "relay";
        up.authPass = "pw-123";
        up.closeOnReuse = true; // every message on a new connection (a TLS session may be resumed)
        Path ca = TestCerts.get().writePem(dir.resolve("ca.pem"));
        RelayHarness h = relay(provider(up.port(), "relay", "", ca.toString()));

        for (int i = 0; i < 3; i++) {
            QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Resume" + i, "x\r\n"));
            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        }
        assertThat(up.transactions).hasSize(3).allSatisfy(t -> {
            assertThat(t.tls()).isTrue();
            assertThat(t.authUser()).isEqualTo("relay");
        });
        assertThat(up.connections.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void verifyWithoutTheCaRefusesAndSaysWhy() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        RelayHarness h = relay(provider(up.port(), "", "verify", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("NoCa", "x\r\n"));

        assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("TLS handshake").contains("tlsLevel verify");
        assertThat(h.spool.journal(id)).isEmpty();
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(providerDetails(h).get("tls")).startsWith("STARTTLS handshake failed");
    }

    @Test
    void mayFallsBackToClearTextWhenTheHandshakeFails() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        up.brokenTls = true;
        RelayHarness h = relay(provider(up.port(), "", "may", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Fallback", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.transactions.get(0).tls()).isFalse();
        assertThat(up.connections.get()).isGreaterThanOrEqualTo(2);
        assertThat(providerDetails(h).get("tls")).contains("clear text");
    }

    @Test
    void encryptDoesNotFallBackWhenTheHandshakeFails() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        up.brokenTls = true;
        RelayHarness h = relay(provider(up.port(), "", "encrypt", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("NoFallback", "x\r\n"));

        assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("TLS handshake");
        assertThat(h.spool.journal(id)).isEmpty();
        assertThat(up.transactions).isEmpty();
    }

    @Test
    void noneNeverStartsTls() throws Exception {
        ScriptedUpstream up = selfSignedUpstream();
        RelayHarness h = relay(provider(up.port(), "", "none", ""));

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("None", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.commands).doesNotContain("STARTTLS");
        assertThat(providerDetails(h).get("tls")).isEqualTo("off");
    }

    @Test
    void badCaFileFailsAtStartNamingTheFile() {
        Path missing = dir.resolve("missing.pem");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> relay(provider(2525, "", "verify", missing.toString())))
                .hasMessageContaining("tlsCaFile " + missing);
        assertThat(Files.exists(missing)).isFalse();
    }
}
