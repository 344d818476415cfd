package dev.mailgateway.core.config;

/** PEM certificate chain and private key for STARTTLS on the SMTP port; empty = no TLS. */
public record TlsConfig(String certFile, String keyFile) {

    public TlsConfig {
        certFile = Check.orEmpty(certFile);
        keyFile = Check.orEmpty(keyFile);
        if (certFile.isEmpty() != keyFile.isEmpty()) {
            throw new ConfigException("tls.certFile and tls.keyFile must both be set or both be "
                    + "empty, got certFile=\"" + certFile + "\" keyFile=\"" + keyFile + "\"");
        }
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final String DEFAULT_CERT_FILE = "";
    public static final String DEFAULT_KEY_FILE = "";

    public static TlsConfig defaults() {
        return new TlsConfig(DEFAULT_CERT_FILE, DEFAULT_KEY_FILE);
    }

    public boolean enabled() {
        return !certFile.isEmpty();
    }
}
