package dev.mailgateway.testkit;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An unregistered {@link EmbeddedChannel} whose peer is 127.0.0.1:40000 (EmbeddedChannel's own
 * address is not an IP, and access checks want one): add the pipeline, then {@code register()}.
 */
public final class LoopbackChannel extends EmbeddedChannel {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

    public LoopbackChannel() {
        super(false, false);
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return PEER;
    }
}
