package dev.mailgateway.relay;

import static dev.mailgateway.relay.RelayHarness.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.testkit.SmtpSinkProcess;
import dev.mailgateway.testkit.SmtpSinkProcessExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #14 point 7: RFC 3461 parameters go upstream when it advertises DSN and are dropped when
 * it does not, against Postfix's smtp-sink (which dumps the MAIL and RCPT arguments it got).
 */
class DsnRelayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final SmtpSinkProcessExtension sinks = new SmtpSinkProcessExtension();
    @RegisterExtension
    final RelayExtension relays = new RelayExtension();

    private static final Dsn DSN = new Dsn("HDRS", "ENV+2B42", List.of("SUCCESS,DELAY", ""),
            List.of("rfc822;a+40example.org", ""));

    private String relayOne(String... sinkOptions) throws Exception {
        SmtpSinkProcess sink = sinks.start(sinkOptions);
        RelayHarness harness = relays.relay(RelayHarness.provider(sink.port, 0));
        QueueId id = harness.send("app@example.com", List.of("a@example.org", "b@example.org"),
                message("Dsn", "x\r\n").getBytes(StandardCharsets.UTF_8), false, DSN);
        assertThat(harness.awaitFinal(id, 2, WAIT)).containsValues(DeliveryStatus.DELIVERED)
                .doesNotContainValue(DeliveryStatus.FAILED);
        return sink.awaitFirstDump(WAIT);
    }

    @Test
    void passedUpstreamWhenItAdvertisesDsn_rfc3461_5_2() throws Exception {
        String dump = relayOne();
        assertThat(dump).contains("X-Mail-Args: <app@example.com>").contains("RET=HDRS").contains("ENVID=ENV+2B42");
        assertThat(dump).contains("X-Rcpt-Args: <a@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+40example.org");
        assertThat(dump).containsPattern("X-Rcpt-Args: <b@example.org>\\s*\\r?\\n");
    }

    @Test
    void droppedWhenTheUpstreamDoesNotAdvertiseDsn() throws Exception {
        String dump = relayOne("-N");
        assertThat(dump).contains("X-Mail-Args: <app@example.com>").doesNotContain("RET=").doesNotContain("ENVID=")
                .doesNotContain("NOTIFY=").doesNotContain("ORCPT=");
    }
}
