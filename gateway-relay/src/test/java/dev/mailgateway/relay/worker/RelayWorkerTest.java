package dev.mailgateway.relay.worker;

import static dev.mailgateway.relay.RelayHarness.await;
import static dev.mailgateway.relay.RelayHarness.provider;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.RetryConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.testkit.InMemorySpool;
import dev.mailgateway.relay.RecordingFailedStore;
import dev.mailgateway.relay.RelayHarness;
import dev.mailgateway.relay.RelayMetrics;
import dev.mailgateway.testkit.ScriptedUpstream;
import dev.mailgateway.relay.client.UpstreamConnector;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.relay.pool.ProviderHealth;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One relay worker on its own: its queue, the SMTP transport over loopback to the scripted
 * upstream, an in-memory spool and failed store. What it journals, stores, retries and counts.
 */
class RelayWorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final EventLoopGroup group = NettyTransport.nio().newGroup(1, "worker-test");
    private final EventLoop loop = group.next();
    private final InMemorySpool spool = new InMemorySpool();
    private final RecordingFailedStore failed = new RecordingFailedStore();
    private final Dispatcher dispatcher = new Dispatcher(1, 10);
    private final GatewayMetrics registry = new GatewayMetrics();
    private final RelayMetrics metrics = new RelayMetrics(registry);
    private final AtomicInteger retryWaiting = new AtomicInteger();
    private ScriptedUpstream upstream;
    private RelayWorker worker;

    @AfterEach
    void stop() throws Exception {
        if (worker != null) {
            Promise<Void> idle = loop.newPromise();
            loop.execute(() -> worker.stop(idle));
            idle.get(10, TimeUnit.SECONDS);
            loop.submit(() -> worker.transport().close()).get(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start(RelayHarness.Settings settings) throws Exception {
        upstream = new ScriptedUpstream();
        settings.providers = List.of(provider(upstream.port(), 1));
        LiveConfig live = new LiveConfig(settings.build());
        SmtpRelayTransport transport = new SmtpRelayTransport(loop, live, new ProviderHealth(),
                new UpstreamConnector(NettyTransport.nio(), (UpstreamTls) null, "relay.test"), metrics);
        worker = new RelayWorker(0, loop, dispatcher.queue(0), transport, new RelayWorker.Shared(dispatcher, spool,
                failed, live, metrics, retryWaiting, Clock.systemUTC()));
        dispatcher.queue(0).bindConsumer(loop, worker::drain);
    }

    private SpooledMessage send(List<String> rcpts) {
        Envelope e = new Envelope(ids.next(), "app@example.com", rcpts, Instant.now(), "client", "127.0.0.1", "",
                false, false);
        SpooledMessage m = spool.add(e, "Subject: t\r\n\r\nhello\r\n".getBytes(US_ASCII));
        dispatcher.dispatch(m);
        return m;
    }

    @Test
    void aDeliveredMessageIsJournalledFinalAndCountedOnce() throws Exception {
        start(new RelayHarness.Settings());
        QueueId id = send(List.of("a@x.test", "b@x.test")).envelope().id();

        await(() -> metrics.emailsDelivered.getCount() == 1, WAIT, () -> "delivered");
        assertThat(spool.finals(id)).isEqualTo(Map.of("a@x.test", DeliveryStatus.DELIVERED,
                "b@x.test", DeliveryStatus.DELIVERED));
        assertThat(spool.journal(id)).singleElement().satisfies(j -> assertThat(j.attempt()).isEqualTo(1));
        assertThat(metrics.recipientsDelivered.getCount()).isEqualTo(2);
        assertThat(metrics.processingTime.getCount()).isEqualTo(1);
        assertThat(failed.stored).isEmpty();
        assertThat(upstream.transactions).singleElement().satisfies(t ->
                assertThat(t.rcpts()).containsExactly("a@x.test", "b@x.test"));
    }

    @Test
    void aPermanentlyRefusedRecipientGoesToTheFailedStoreAloneAndTheMessageCountsFailed() throws Exception {
        start(new RelayHarness.Settings());
        upstream.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        QueueId id = send(List.of("good@x.test", "bad@x.test")).envelope().id();

        await(() -> metrics.emailsFailed.getCount() == 1, WAIT, () -> "failed");
        assertThat(failed.storedFor(id)).singleElement().satisfies(f -> {
            assertThat(f.to()).containsExactly("bad@x.test");
            assertThat(f.lastError()).contains("550 5.1.1");
            assertThat(new String(f.content(), US_ASCII)).contains("hello");
        });
        assertThat(spool.finals(id)).isEqualTo(Map.of("good@x.test", DeliveryStatus.DELIVERED,
                "bad@x.test", DeliveryStatus.FAILED));
        assertThat(metrics.emailsDelivered.getCount()).as("not every recipient was delivered").isZero();
    }

    @Test
    void aTemporaryRefusalIsRetriedOnItsTimerUntilDelivered() throws Exception {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.retry = new RetryConfig(3, 200, 2_000, 2.0, 0);
        start(s);
        AtomicInteger rcpts = new AtomicInteger();
        upstream.rcptReply = r -> rcpts.incrementAndGet() == 1 ? "451 4.3.0 try later" : "250 2.1.5 Ok";
        QueueId id = send(List.of("a@x.test")).envelope().id();

        await(() -> metrics.emailsDeferred.getCount() == 1, WAIT, () -> "deferred");
        await(() -> metrics.emailsDelivered.getCount() == 1, WAIT, () -> "delivered on the retry");
        assertThat(spool.journal(id)).extracting(InMemorySpool.Journal::attempt).containsExactly(1, 2);
        assertThat(spool.finals(id)).isEqualTo(Map.of("a@x.test", DeliveryStatus.DELIVERED));
        assertThat(retryWaiting.get()).as("the retry timer has fired").isZero();
        assertThat(failed.stored).isEmpty();
    }
}
