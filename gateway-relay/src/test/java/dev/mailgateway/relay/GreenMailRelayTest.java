package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.relay.client.UpstreamTls;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay against GreenMail, a real SMTP server, as the upstream. */
class GreenMailRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private GreenMail greenMail;
    private RelayHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    private GreenMail start(String protocol, GreenMailConfiguration config) {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", protocol).dynamicPort());
        if (config != null) {
            greenMail.withConfiguration(config);
        }
        greenMail.start();
        return greenMail;
    }

    private int port() {
        return greenMail.getSmtp() != null ? greenMail.getSmtp().getPort() : greenMail.getSmtps().getPort();
    }

    private RelayHarness relay(ProviderConfig provider, int batchSize, UpstreamTls tls) {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider);
        s.batchSize = batchSize;
        harness = new RelayHarness(s, tls);
        return harness;
    }

    @Test
    void deliversMessageWithSubjectAndBodyIntact() throws Exception {
        start(ServerSetup.PROTOCOL_SMTP, null);
        RelayHarness h = relay(RelayHarness.provider(port(), 0), 20, null);

        QueueId id = h.send("app@example.com", List.of("someone@example.org"),
                message("Greetings", "Hello from the relay.\r\n.a line starting with a dot\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("someone@example.org", DeliveryStatus.DELIVERED);
        assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
        MimeMessage received = greenMail.getReceivedMessages()[0];
        assertThat(received.getSubject()).isEqualTo("Greetings");
        // GreenMail keeps the body without the CRLF that precedes the end-of-data dot
        assertThat(((String) received.getContent()).replace("\r\n", "\n"))
                .isEqualTo("Hello from the relay.\n.a line starting with a dot");
    }

    @Test
    void ninetyFiveRecipientsWithBatchSize20ArriveAsFiveTransactions() throws Exception {
        start(ServerSetup.PROTOCOL_SMTP, null);
        RelayHarness h = relay(RelayHarness.provider(port(), 0), 20, null);
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 95; i++) {
            rcpts.add("user" + i + "@example.org");
        }

        QueueId id = h.send("news@example.com", rcpts, message("Newsletter", "News.\r\n"));
        Map<String, DeliveryStatus> finals = h.awaitFinal(id, 95, WAIT);

        assertThat(finals).hasSize(95).allSatisfy((r, s) -> assertThat(s).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(greenMail.waitForIncomingEmail(5_000, 95)).isTrue();
        // one SMTP transaction per batch: the provider's transaction timer counted five
        assertThat(h.metrics.registry().getTimers()
                .get("mail_gateway.relay.provider.latency.127.0.0.1:" + port()).getCount()).isEqualTo(5);
        assertThat(h.spool.journal(id)).singleElement().satisfies(j -> assertThat(j.outcomes()).hasSize(95));
    }

    @Test
    void authenticatesWithTheProvidersCredentialsAndNeverLogsThem() throws Exception {
        start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig()
                .withUser("relay@example.com", "relay-user", "s3cret-pw"));
        try (LogCapture logs = new LogCapture("dev.mailgateway")) {
            RelayHarness h = relay(new ProviderConfig("127.0.0.1", port(), "relay-user", "s3cret-pw", false, 0, false),
                    20, null);
            QueueId id = h.send("app@example.com", List.of("someone@example.org"), message("Authed", "x\r\n"));

            assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("someone@example.org", DeliveryStatus.DELIVERED);
            assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
            String plain = Base64.getEncoder().encodeToString("\0relay-user\0s3cret-pw".getBytes());
            assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains("s3cret-pw") || l.contains(plain));
        }
    }

    @Test
    void wrongPasswordMarksProviderDownAndDefers() throws Exception {
        start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig()
                .withUser("relay@example.com", "relay-user", "s3cret-pw"));
        try (LogCapture logs = new LogCapture("dev.mailgateway")) {
            RelayHarness h = relay(new ProviderConfig("127.0.0.1", port(), "relay-user", "wrong-pw", false, 0, false),
                    20, null);
            QueueId id = h.send("app@example.com", List.of("someone@example.org"), message("Denied", "x\r\n"));

            // the provider is down, not the message: it waits without using an attempt (issue #12)
            assertThat(h.awaitWaitingForProvider(id, WAIT)).contains("AUTH").contains("535");
            assertThat(h.spool.journal(id)).isEmpty();
            assertThat(h.relay.healthCheck().problems()).hasSize(1);
            assertThat(greenMail.getReceivedMessages()).isEmpty();
            assertThat(logs.lines()).noneMatch(l -> l.contains("wrong-pw"));
        }
    }

    @Test
    void implicitTlsToSmtpsPort() throws Exception {
        start(ServerSetup.PROTOCOL_SMTPS, null);
        // GreenMail's bundled certificate is self-signed for another name: trust it for this test only
        UpstreamTls trustAll = new UpstreamTls(SslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build(), false);
        RelayHarness h = relay(new ProviderConfig("127.0.0.1", port(), "", "", true, 0, false), 20, trustAll);

        QueueId id = h.send("app@example.com", List.of("someone@example.org"), message("Secure", "x\r\n"));

        assertThat(h.awaitFinal(id, 1, WAIT)).containsEntry("someone@example.org", DeliveryStatus.DELIVERED);
        assertThat(greenMail.waitForIncomingEmail(5_000, 1)).isTrue();
        assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("Secure");
    }
}
