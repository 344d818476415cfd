package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayExtension.settings;
import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** STARTTLS (RFC 3207), AUTH PLAIN/LOGIN (RFC 4954) and HELO fallback against the scripted upstream. */
class TlsAndAuthRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    private static ProviderConfig provider(int port, String user, String pass, boolean requireStartTls) {
        return new ProviderConfig("127.0.0.1", port, user, pass, false, 0, requireStartTls);
    }

    @Test
    void upgradesWithStartTlsWhenOfferedThenAuthenticatesWithPlain() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.startTls = TestCerts.get().serverContext();
        up.authUser = "relay";
        up.authPass = "pw-123";
        RelayHarness h = relays.relay(settings(provider(up.port(), "relay", "pw-123", false)), TestCerts.get().clientTls());

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Tls", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        ScriptedUpstream.Txn t = up.transactions.get(0);
        assertThat(t.tls()).as("sent inside TLS").isTrue();
        assertThat(t.authUser()).isEqualTo("relay");
        // RFC 3207 4.2: EHLO again after the handshake; AUTH only inside TLS
        List<String> cmds = up.commands;
        assertThat(cmds.indexOf("STARTTLS")).isGreaterThan(0);
        assertThat(cmds.stream().filter(c -> c.startsWith("EHLO")).count()).isEqualTo(2);
        assertThat(cmds.stream().filter(c -> c.startsWith("AUTH PLAIN")).findFirst())
                .isPresent().get().satisfies(c -> assertThat(cmds.indexOf(c)).isGreaterThan(cmds.indexOf("STARTTLS")));
    }

    @Test
    void authenticatesWithLoginWhenPlainIsNotOffered() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.authUser = "relay";
        up.authPass = "pw-123";
        up.authMechanisms = "LOGIN";
        up.pipelining = false; // one command per round trip
        RelayHarness h = relays.relay(settings(provider(up.port(), "relay", "pw-123", false)), null);

        QueueId id = h.send("app@example.com", List.of("a@example.org", "b@example.org"), message("Login", "x\r\n"));

        assertThat(h.awaitFinal(id, 2, WAIT)).containsOnlyKeys("a@example.org", "b@example.org")
                .containsValues(DeliveryStatus.DELIVERED);
        assertThat(up.transactions.get(0).authUser()).isEqualTo("relay");
        assertThat(up.commands).contains("AUTH LOGIN");
    }

    @Test
    void requiredStartTlsNotOfferedMarksProviderDownAndDefers() throws Exception {
        ScriptedUpstream up = relays.upstream();
        RelayHarness h = relays.relay(settings(provider(up.port(), "", "", true)), TestCerts.get().clientTls());

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("NoTls", "x\r\n"));

        // the provider is down, not the message: it waits without using an attempt (issue #12)
        assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("does not offer STARTTLS");
        assertThat(h.spool.journal(id)).isEmpty();
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(h.relay.healthCheck().problems()).hasSize(1);
    }

    @Test
    void untrustedCertificateOnRequiredStartTlsIsNotSentInClear() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.startTls = TestCerts.get().serverContext();
        // the JDK trust store does not know the test certificate; requireStartTls = tlsLevel verify
        RelayHarness h = relays.relay(settings(provider(up.port(), "", "", true)), UpstreamTls.system());

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Untrusted", "x\r\n"));

        assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("TLS handshake");
        assertThat(h.spool.journal(id)).isEmpty();
        assertThat(up.transactions).isEmpty();
        assertThat(up.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void fallsBackToHeloWhenEhloIsRefusedWith5xx() throws Exception {
        ScriptedUpstream up = relays.upstream();
        up.ehloUnsupported = true;
        RelayHarness h = relays.relay(settings(provider(up.port(), "", "", false)), null);

        QueueId id = h.send("app@example.com", List.of("a@example.org"), message("Helo", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("a@example.org", DeliveryStatus.DELIVERED);
        assertThat(up.commands).anyMatch(c -> c.startsWith("HELO "));
        // no extensions after HELO: no SIZE parameter on MAIL
        assertThat(up.commands).contains("MAIL FROM:<app@example.com>");
    }
}
