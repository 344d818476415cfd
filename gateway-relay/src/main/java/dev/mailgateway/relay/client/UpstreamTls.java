package dev.mailgateway.relay.client;

import dev.mailgateway.core.config.TlsLevel;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How the relay speaks TLS to upstreams (implicit TLS and STARTTLS, RFC 3207): a client
 * {@link SslContext} and whether the certificate must match the provider's host name.
 * {@link #system()} trusts the JDK's CA store and checks host names; {@link #forLevel} builds the
 * context of one outbound TLS level ({@code verify} enforces the check, the others record its
 * result, see {@link #verificationError}); tests may pass a context that trusts their own
 * certificate.
 */
public record UpstreamTls(SslContext context, boolean verifyHostname, X509ExtendedTrustManager recorder) {

    /**
     * A caller-supplied context: its own trust manager decides, so a successful handshake counts
     * as verified.
     */
    public UpstreamTls(SslContext context, boolean verifyHostname) {
        this(context, verifyHostname, null);
    }

    /** The JDK trust store, host name verification on. */
    public static UpstreamTls system() {
        try {
            return new UpstreamTls(SslContextBuilder.forClient().build(), true);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS client context", e);
        }
    }

    /**
     * The context for one TLS level: trust = {@code caFile} (PEM certificates) or the JDK store
     * when empty; host names checked. With {@code verify} a failed check fails the handshake; with
     * the other levels the handshake goes on and {@link #verificationError} tells why it failed.
     * Reads {@code caFile}: call off the event loops (or accept one small read).
     *
     * @throws IllegalStateException naming the file when it cannot be read or holds no certificate
     */
    public static UpstreamTls forLevel(TlsLevel level, String caFile) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(caFile == null || caFile.isEmpty() ? null : caStore(caFile));
            X509ExtendedTrustManager base = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    base = x;
                }
            }
            if (base == null) {
                throw new IllegalStateException("no X509 trust manager available");
            }
            RecordingTrustManager recorder = new RecordingTrustManager(base, level.verifies());
            SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(recorder).build();
            return new UpstreamTls(ctx, true, recorder);
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the upstream TLS context"
                    + (caFile == null || caFile.isEmpty() ? "" : " from tlsCaFile " + caFile) + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore caStore(String caFile) throws java.security.GeneralSecurityException, java.io.IOException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new java.security.cert.CertificateException("no PEM certificate in the file");
            }
        }
        return ks;
    }

    /**
     * After a successful handshake with a handler of this context: null when the certificate
     * chain and host name verified (or a caller-supplied context accepted them), otherwise why
     * they did not. ({@code recorder} is the trust manager of a {@link #forLevel} context; null otherwise.)
     */
    public String verificationError(SslHandler handler) {
        return recorder instanceof RecordingTrustManager r ? r.verificationError(handler.engine()) : null;
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
