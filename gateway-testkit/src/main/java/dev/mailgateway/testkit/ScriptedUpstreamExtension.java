package dev.mailgateway.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;

/**
 * Starts {@link ScriptedUpstream}s on 127.0.0.1:0 and closes them (and anything else added)
 * after each test: {@code @RegisterExtension final ScriptedUpstreamExtension upstreams = new
 * ScriptedUpstreamExtension();} then {@code ScriptedUpstream up = upstreams.start();}.
 */
public final class ScriptedUpstreamExtension extends CloseAfterEach {

    /** A new upstream on 127.0.0.1 and a free port, closed after the test. */
    public ScriptedUpstream start() {
        try {
            return add(new ScriptedUpstream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new upstream bound to {@code address:port} (e.g. 127.0.0.2 and another upstream's port). */
    public ScriptedUpstream start(InetAddress address, int port) {
        try {
            return add(new ScriptedUpstream(address, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
