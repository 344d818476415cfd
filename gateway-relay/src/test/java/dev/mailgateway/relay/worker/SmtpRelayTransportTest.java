package dev.mailgateway.relay.worker;

import static dev.mailgateway.relay.RelayHarness.provider;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.relay.RelayHarness;
import dev.mailgateway.relay.RelayMetrics;
import dev.mailgateway.testkit.ScriptedUpstream;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.relay.pool.ProviderHealth;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SMTP delivery transport on its own, over real loopback sockets to scripted upstreams:
 * batches of {@code batchSize} (spec section 2), provider failover by priority, a refused
 * recipient (no failover: it is about the message), every provider down (no attempt counted).
 */
class SmtpRelayTransportTest {

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final EventLoopGroup group = NettyTransport.nio().newGroup(1, "transport-test");
    private final EventLoop loop = group.next();
    private final ProviderHealth health = new ProviderHealth();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private SmtpRelayTransport transport;

    @AfterEach
    void stop() throws Exception {
        if (transport != null) {
            loop.submit(transport::close).get(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private ScriptedUpstream upstream() throws Exception {
        ScriptedUpstream u = new ScriptedUpstream();
        toClose.add(u);
        return u;
    }

    /** A loopback port nothing listens on (bound, then closed). */
    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private SmtpRelayTransport transport(RelayHarness.Settings settings) {
        transport = new SmtpRelayTransport(loop, new LiveConfig(settings.build()), health,
                new UpstreamConnector(NettyTransport.nio(), (UpstreamTls) null, "relay.test"), new RelayMetrics(metrics));
        return transport;
    }

    private Delivery deliver(List<String> rcpts) throws Exception {
        Envelope e = new Envelope(ids.next(), "app@example.com", rcpts, Instant.now(), "client", "127.0.0.1", "",
                false, false);
        Delivery d = new Delivery(new SpooledMessage(e, rcpts, 0), "Subject: t\r\n\r\nhello\r\n".getBytes(US_ASCII), loop);
        loop.execute(() -> transport.deliver(d));
        d.done().get(20, TimeUnit.SECONDS);
        return d;
    }

    private static List<DeliveryStatus> statuses(Delivery d) {
        return d.outcomes().stream().map(RecipientOutcome::status).toList();
    }

    @Test
    void spec2_recipientsGoInBatchesOfBatchSizeOneTransactionEach() throws Exception {
        ScriptedUpstream up = upstream();
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(up.port(), 1));
        s.batchSize = 2;
        transport(s);

        Delivery d = deliver(List.of("a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"));

        assertThat(statuses(d)).hasSize(5).containsOnly(DeliveryStatus.DELIVERED);
        assertThat(up.transactions).extracting(ScriptedUpstream.Txn::rcpts).containsExactly(
                List.of("a@x.test", "b@x.test"), List.of("c@x.test", "d@x.test"), List.of("e@x.test"));
        assertThat(up.transactions).allSatisfy(t -> assertThat(t.bodyText()).contains("hello"));
        assertThat(d.countsAsAttempt()).as("an upstream was talked to").isTrue();
        assertThat(metrics.findTimer(RelayMetrics.PROVIDER_LATENCY + "127.0.0.1:" + up.port()).getCount())
                .isEqualTo(3);
    }

    @Test
    void aProviderThatCannotBeReachedIsSkippedForTheNextByPriority() throws Exception {
        ScriptedUpstream backup = upstream();
        RelayHarness.Settings s = new RelayHarness.Settings();
        int dead = deadPort();
        s.providers = List.of(provider(dead, 1), provider(backup.port(), 2));
        transport(s);

        Delivery d = deliver(List.of("a@x.test"));

        assertThat(statuses(d)).containsExactly(DeliveryStatus.DELIVERED);
        assertThat(backup.transactions).hasSize(1);
        assertThat(d.relay()).contains(String.valueOf(backup.port()));
        assertThat(health.problemsIfAllDown(List.of(provider(dead, 1)))).as("the first is marked down")
                .singleElement().asString().contains(String.valueOf(dead));
        assertThat(loop.submit(transport::ready).get(5, TimeUnit.SECONDS)).as("the backup is up").isTrue();
    }

    @Test
    void rfc5321_aRefusedRecipientFailsAloneAndDoesNotFailOver() throws Exception {
        ScriptedUpstream primary = upstream();
        ScriptedUpstream backup = upstream();
        primary.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(primary.port(), 1), provider(backup.port(), 2));
        transport(s);

        Delivery d = deliver(List.of("good@x.test", "bad@x.test"));

        assertThat(d.outcomes()).extracting(RecipientOutcome::recipient, RecipientOutcome::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("good@x.test", DeliveryStatus.DELIVERED),
                org.assertj.core.groups.Tuple.tuple("bad@x.test", DeliveryStatus.FAILED));
        assertThat(primary.transactions).singleElement().satisfies(t -> assertThat(t.rcpts()).containsExactly("good@x.test"));
        assertThat(backup.connections.get()).as("a reply about the message is no reason to fail over").isZero();
    }

    @Test
    void everyProviderDownDefersWithoutCountingAnAttemptAndTheTransportIsNotReady() throws Exception {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(provider(deadPort(), 1), provider(deadPort(), 2));
        transport(s);

        Delivery d = deliver(List.of("a@x.test", "b@x.test"));

        assertThat(statuses(d)).containsOnly(DeliveryStatus.DEFERRED).hasSize(2);
        assertThat(d.countsAsAttempt()).as("no upstream was reached").isFalse();
        assertThat(loop.submit(transport::ready).get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(loop.submit(transport::notReadyReason).get(5, TimeUnit.SECONDS)).isNotBlank();
    }
}
