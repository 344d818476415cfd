package dev.mailgateway.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@code redis-server} ({@link RedisServerProcess}) for a test class: started on a free
 * 127.0.0.1 port before the class's {@code @BeforeAll} methods, stopped by its PID after its
 * {@code @AfterAll} methods. Use it as a static field:
 * {@code @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();}
 * then {@code redis.server().uri()}. Fails (never skips) when redis-server is not installed.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private RedisServerProcess server;

    /** The running server (stop and {@link RedisServerProcess#startAgain} it to test outages). */
    public RedisServerProcess server() {
        if (server == null) {
            throw new IllegalStateException("redis-server not started: register the extension on a static field");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = RedisServerProcess.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
