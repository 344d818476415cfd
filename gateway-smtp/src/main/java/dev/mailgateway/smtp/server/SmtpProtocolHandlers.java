package dev.mailgateway.smtp.server;

import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.channel.ChannelHandler;

/**
 * The public way to the SMTP protocol code without a listener: the two handlers
 * {@link SmtpServerInitializer} puts last in an admitted connection's pipeline
 * ({@link SmtpServerDecoder} then {@link SmtpServerHandler}), for a channel of the caller's own
 * (the benchmarks drive them on an {@code EmbeddedChannel}). No access checks, connection limits,
 * idle timer, deadlines or TLS: those belong to {@link SmtpServer}. The handler greets on
 * {@code channelActive}.
 */
public final class SmtpProtocolHandlers {

    private SmtpProtocolHandlers() {
    }

    /**
     * A new decoder and session handler for one channel, in pipeline order, built from
     * {@code live}'s current config like a connection of {@link SmtpServer} (no STARTTLS).
     */
    public static ChannelHandler[] forOneChannel(LiveConfig live, MessageIngress ingress,
            GatewayMetrics metrics, QueueIdGenerator ids) {
        return forOneChannel(new SmtpServerContext(live, ingress, metrics, ids, null));
    }

    /** The decoder and session handler of one connection of the server sharing {@code context}. */
    static ChannelHandler[] forOneChannel(SmtpServerContext context) {
        SmtpServerDecoder decoder = new SmtpServerDecoder(context.maxLineLength, context.rejectBareLf);
        return new ChannelHandler[] {decoder, new SmtpServerHandler(context, decoder)};
    }
}
