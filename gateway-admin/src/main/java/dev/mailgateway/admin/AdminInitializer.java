package dev.mailgateway.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The admin connection pipeline: {@code HttpServerCodec} (request line 4 KiB, headers 8 KiB)
 * → idle timeout → {@link AdminRequestAggregator} (small bodies only: the API takes none) →
 * {@link AdminHandler}.
 */
final class AdminInitializer extends ChannelInitializer<Channel> {

    /** No endpoint reads a body; anything bigger than this is a mistake or an attack. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Keep-alive connections with no traffic for this long are closed. */
    static final int IDLE_SECONDS = 60;

    private final AdminRouter router;
    private final AdminAccess access;
    private final ChannelGroup channels;

    AdminInitializer(AdminRouter router, AdminAccess access, ChannelGroup channels) {
        this.router = router;
        this.access = access;
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch); // so close() can end open keep-alive connections
        ch.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                .addLast("aggregator", new AdminRequestAggregator(MAX_BODY_BYTES))
                .addLast("handler", new AdminHandler(router, access));
    }
}
