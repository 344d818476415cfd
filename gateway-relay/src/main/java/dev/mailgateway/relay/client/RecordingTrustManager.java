package dev.mailgateway.relay.client;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks an upstream's certificate chain and host name with a real trust manager (the JDK store or
 * a {@code tlsCaFile}) and either fails the handshake ({@code enforce}, level {@code verify}) or
 * lets it go on and records the verdict, which {@link #verificationError} reads after the
 * handshake (levels {@code may}, {@code encrypt} and the default).
 *
 * <p>Verdicts are kept by (peer host, SHA-256 of the leaf certificate), not in the SSL session: a
 * resumed session is not checked again but presents the same certificate, so it finds the
 * verdict of the full handshake. A session whose verdict is unknown counts as not verified.
 * At most {@link #MAX_VERDICTS} entries (cleared when full). Thread-safe.
 */
final class RecordingTrustManager extends X509ExtendedTrustManager {

    static final int MAX_VERDICTS = 4096;
    private static final String VERIFIED = "";

    private final X509ExtendedTrustManager delegate;
    private final boolean enforce;
    private final java.util.Map<String, String> verdicts = new java.util.concurrent.ConcurrentHashMap<>();

    RecordingTrustManager(X509ExtendedTrustManager delegate, boolean enforce) {
        this.delegate = delegate;
        this.enforce = enforce;
    }

    /** After a successful handshake on {@code engine}: null when verified, else why not. */
    String verificationError(SSLEngine engine) {
        if (enforce) {
            return null; // the handshake would have failed
        }
        try {
            java.security.cert.Certificate[] peer = engine.getSession().getPeerCertificates();
            if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
                return "no server certificate";
            }
            String v = verdicts.get(key(engine.getPeerHost(), leaf));
            return v == null ? "certificate not checked in this session" : v.equals(VERIFIED) ? null : v;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return "no server certificate";
        }
    }

    private static String key(String host, X509Certificate leaf) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
            return host + "|" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.GeneralSecurityException e) {
            return host + "|" + leaf.getSerialNumber() + "|" + leaf.getIssuerX500Principal();
        }
    }

    private void record(SSLEngine engine, X509Certificate[] chain, String verdict) {
        if (chain == null || chain.length == 0) {
            return;
        }
        if (verdicts.size() >= MAX_VERDICTS) {
            verdicts.clear();
        }
        verdicts.put(key(engine.getPeerHost(), chain[0]), verdict);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine); // chain and, with HTTPS identification, host name
            record(engine, chain, VERIFIED);
        } catch (CertificateException e) {
            if (enforce) {
                throw e;
            }
            record(engine, chain, UpstreamConnection.rootMessage(e));
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
