package dev.mailgateway.relay.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * How the relay speaks TLS to upstreams (implicit TLS and STARTTLS, RFC 3207): a client
 * {@link SslContext} and whether the certificate must match the provider's host name.
 * {@link #system()} trusts the JDK's CA store and checks host names, which is what production
 * wants; tests pass a context that trusts their own certificate.
 */
public record UpstreamTls(SslContext context, boolean verifyHostname) {

    /** The JDK trust store, host name verification on. */
    public static UpstreamTls system() {
        try {
            return new UpstreamTls(SslContextBuilder.forClient().build(), true);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS client context", e);
        }
    }

    /** A client-side handler for {@code host:port}. */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, long handshakeTimeoutMs) {
        SslHandler handler = context.newHandler(alloc, host, port);
        if (verifyHostname) {
            SSLEngine engine = handler.engine();
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        return handler;
    }
}
