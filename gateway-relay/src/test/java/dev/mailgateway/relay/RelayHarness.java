package dev.mailgateway.relay;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.config.RetryConfig;
import dev.mailgateway.core.config.SecurityConfig;
import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.testkit.Await;
import dev.mailgateway.testkit.InMemorySpool;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starts a RelayService over in-memory spool and failed store; one per test. */
public final class RelayHarness implements AutoCloseable {

    /** Config knobs tests change; everything else is the default. */
    public static final class Settings {
        public boolean forward = true;
        public List<ProviderConfig> providers = List.of();
        public int batchSize = 20;
        public int batchDelay = 0;
        public boolean continueOnError = true;
        public RetryConfig retry = new RetryConfig(3, 200, 2_000, 2.0, 0);
        public RelayConfig relay = new RelayConfig(2_000, 5, 5, 5, 4, 60, 1);
        public int processingTimeout = 30;
        public boolean logAllEmails = true;
        public String emailsDir = "emails";
        public int workers = 1;
        public boolean fsync = true;
        /** When set, provider host names are resolved only via this DNS server (after /etc/hosts). */
        public java.net.InetSocketAddress dnsServer;

        public GatewayConfig build() {
            GatewayConfig d = GatewayConfig.defaults();
            SecurityConfig s = d.security();
            return new GatewayConfig(d.smtpHost(), d.smtpPort(), "", "", forward, "", 587, "", "", false,
                    providers, batchSize, batchDelay, continueOnError, false, d.healthCheckPort(),
                    d.adminHost(), workers, 100, processingTimeout, emailsDir, d.rateLimits(),
                    new SecurityConfig(s.allowLocalOnly(), logAllEmails, false, false, List.of(),
                            s.adminAllowedNetworks()),
                    retry, d.limits(), new SpoolConfig(fsync, 0), d.tls(), d.smtp(), relay, d.admin());
        }
    }

    public static ProviderConfig provider(int port, int priority) {
        return new ProviderConfig("127.0.0.1", port, "", "", false, priority, false);
    }

    public final InMemorySpool spool = new InMemorySpool();
    public final RecordingFailedStore failed = new RecordingFailedStore();
    public final GatewayMetrics metrics = new GatewayMetrics();
    public final RelayMetrics relayMetrics = new RelayMetrics(metrics);
    public final LiveConfig live;
    public final Dispatcher dispatcher;
    public final EventLoopGroup group;
    public final RelayService relay;
    private final QueueIdGenerator ids = new QueueIdGenerator();

    public RelayHarness(Settings settings) {
        this(settings, null);
    }

    public RelayHarness(Settings settings, UpstreamTls tls) {
        GatewayConfig cfg = settings.build();
        live = new LiveConfig(cfg);
        dispatcher = new Dispatcher(cfg.workerCount(), cfg.queueSize());
        NettyTransport transport = NettyTransport.nio();
        group = transport.newGroup(Math.min(2, cfg.workerCount()), "relay-test");
        relay = tls == null
                ? new RelayService(live, dispatcher, spool, failed, metrics, transport, group)
                : new RelayService(live, dispatcher, spool, failed, metrics, transport, group, tls);
        if (settings.dnsServer != null) {
            relay.resolver(dev.mailgateway.relay.client.UpstreamResolver.using(transport, settings.dnsServer));
        }
        relay.start();
    }

    /** Spools and dispatches a message; returns its id. */
    public QueueId send(String from, List<String> to, String content) {
        return send(from, to, content.getBytes(StandardCharsets.UTF_8), false);
    }

    public QueueId send(String from, List<String> to, byte[] content, boolean eightBit) {
        return send(from, to, content, eightBit, dev.mailgateway.core.model.Dsn.NONE);
    }

    /** As above, with RFC 3461 parameters in the envelope. */
    public QueueId send(String from, List<String> to, byte[] content, boolean eightBit,
                        dev.mailgateway.core.model.Dsn dsn) {
        Envelope env = new Envelope(ids.next(), from, to, Instant.now(), "client.test", "127.0.0.1", "",
                false, eightBit, dsn);
        SpooledMessage m = spool.add(env, content);
        dispatcher.dispatch(m);
        return env.id();
    }

    /** Waits until every recipient of {@code id} has a final outcome; returns them. */
    public Map<String, DeliveryStatus> awaitFinal(QueueId id, int recipients, Duration timeout) {
        await(() -> spool.finals(id).size() == recipients, timeout,
                () -> "final outcomes for " + id + ": " + spool.finals(id) + ", journal " + spool.journal(id));
        return spool.finals(id);
    }

    /**
     * Waits until {@code id} is held back because no provider is up (its attempt reached no
     * upstream, so nothing is journalled) and returns the health problem naming the reason.
     */
    public String awaitWaitingForProvider(QueueId id, Duration timeout) {
        await(() -> Integer.valueOf(1).equals(metrics.gaugeValue(RelayMetrics.WAITING_PROVIDER))
                        && !relay.healthCheck().problems().isEmpty(), timeout,
                () -> id + " waiting for a provider; journal " + spool.journal(id));
        return relay.healthCheck().problems().get(0);
    }

    /** Bounded polling: true within the deadline or an AssertionError with the description. */
    public static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
        Await.until(condition, timeout, what);
    }

    public static String message(String subject, String body) {
        return "Received: from client.test by gateway\r\n"
                + "From: app@example.com\r\nTo: someone@example.org\r\n"
                + "Subject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "@example.com>\r\n\r\n"
                + body;
    }

    @Override
    public void close() throws Exception {
        relay.shutdown(Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        spool.close();
    }
}
