package dev.mailgateway.relay.client;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks an upstream's certificate chain and host name with a real trust manager (the JDK store or
 * a {@code tlsCaFile}) and either fails the handshake ({@code enforce}, level {@code verify}) or
 * lets it go on and writes the reason into the handshake session, where
 * {@link #verificationError(SSLSession)} reads it afterwards (levels {@code may}, {@code encrypt}
 * and the default). Stateless apart from the delegate: the verdict travels with each session.
 */
final class RecordingTrustManager extends X509ExtendedTrustManager {

    private static final String KEY = "dev.mailgateway.tls.verifyError";
    private static final String CHECKED = "dev.mailgateway.tls.checked";

    private final X509ExtendedTrustManager delegate;
    private final boolean enforce;

    RecordingTrustManager(X509ExtendedTrustManager delegate, boolean enforce) {
        this.delegate = delegate;
        this.enforce = enforce;
    }

    /** Null when the chain and host name verified, else why not; "not checked" for foreign contexts. */
    static String verificationError(SSLSession session) {
        if (session == null) {
            return "no TLS session";
        }
        if (session.getValue(CHECKED) == null) {
            return null; // a context supplied by the caller accepted the certificate itself
        }
        Object e = session.getValue(KEY);
        return e == null ? null : e.toString();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        SSLSession hs = engine.getHandshakeSession();
        try {
            delegate.checkServerTrusted(chain, authType, engine); // chain and, with HTTPS identification, host name
            if (hs != null) {
                hs.putValue(CHECKED, Boolean.TRUE);
            }
        } catch (CertificateException e) {
            if (enforce) {
                throw e;
            }
            if (hs != null) {
                hs.putValue(CHECKED, Boolean.TRUE);
                hs.putValue(KEY, UpstreamConnection.rootMessage(e));
            }
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        if (enforce) {
            delegate.checkServerTrusted(chain, authType, socket);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (enforce) {
            delegate.checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
