package dev.mailgateway.smtp.server;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.smtp.SmtpMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.testkit.SmtpTestClient;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts an {@link SmtpServer} on 127.0.0.1:0 before each test with a config from
 * {@code ConfigLoader.fromJson}, a {@link CapturingIngress}, fresh metrics; stops it after.
 * {@link #restart(String)} swaps the config for one test; {@link #client()} opens a raw client.
 */
final class SmtpServerExtension implements BeforeEachCallback, AfterEachCallback {

    /** Settings most tests want: no auth required, local only, quick timeouts. */
    static final String BASE = """
            {"smtpHost": "127.0.0.1", "smtpPort": 0,
             "smtp": {"hostname": "mx.test", "authFailureDelayMs": 50},
             "security": {"requireAuth": false}}""";

    private final String json;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    LiveConfig live;
    /** The server's metrics (on a fresh registry per test). */
    SmtpMetrics metrics;
    CapturingIngress ingress;
    SmtpServer server;
    InetSocketAddress address;

    private SmtpServerExtension(String json) {
        this.json = json;
    }

    static SmtpServerExtension withConfig(String json) {
        return new SmtpServerExtension(json);
    }

    static SmtpServerExtension withDefaults() {
        return new SmtpServerExtension(BASE);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        boss = NettyTransport.nio().newGroup(1, "test-smtp-boss");
        workers = NettyTransport.nio().newGroup(2, "test-smtp-io");
        startWith(json);
    }

    private void startWith(String configJson) {
        GatewayConfig config = ConfigLoader.fromJson(configJson);
        live = new LiveConfig(config);
        GatewayMetrics registry = new GatewayMetrics();
        metrics = new SmtpMetrics(registry);
        ingress = new CapturingIngress();
        server = new SmtpServer(live, ingress, registry, new QueueIdGenerator(), NettyTransport.nio(),
                boss, workers);
        address = server.start();
    }

    /** Stops the running server and starts one with {@code configJson}. */
    void restart(String configJson) throws Exception {
        stopServer();
        startWith(configJson);
    }

    void reload(String configJson) {
        live.replace(ConfigLoader.fromJson(configJson));
    }

    SmtpTestClient client() throws IOException {
        return new SmtpTestClient(address);
    }

    /** Connects, reads the greeting and sends EHLO. */
    SmtpTestClient ehloClient() throws IOException {
        SmtpTestClient c = client();
        c.expect("220 mx.test");
        c.line("EHLO client.test").expect("250");
        return c;
    }

    private void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
            ingress.close();
            server = null;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            stopServer();
        } finally {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
