package dev.mailgateway.core.config;

import java.util.Locale;

/**
 * Outbound TLS policy of one upstream, in Postfix's terms ({@code smtp_tls_security_level}).
 *
 * <ul>
 *   <li>{@link #NONE}: never TLS (STARTTLS is not used even when offered).
 *   <li>{@link #MAY}: opportunistic. STARTTLS when offered, certificate not required to verify;
 *       a failed handshake reconnects in clear text. Chosen explicitly, AUTH may use the
 *       unverified TLS.
 *   <li>{@link #ENCRYPT}: TLS required (STARTTLS, or implicit with {@code ssl}), certificate not
 *       verified.
 *   <li>{@link #VERIFY}: TLS required, certificate chain and host name verified.
 *   <li>{@link #DEFAULT}: the level when none is configured and neither {@code ssl} nor
 *       {@code requireStartTls} is set: like {@code may}, but credentials are only sent over TLS
 *       whose certificate verified (or to a loopback upstream).
 * </ul>
 */
public enum TlsLevel {
    NONE, MAY, ENCRYPT, VERIFY, DEFAULT;

    /** True when delivery must not go on without TLS. */
    public boolean requiresTls() {
        return this == ENCRYPT || this == VERIFY;
    }

    /** True when a failed certificate check fails the handshake. */
    public boolean verifies() {
        return this == VERIFY;
    }

    /** The configured name ({@code may}); {@code DEFAULT} is shown as {@code may (default)}. */
    public String label() {
        return this == DEFAULT ? "may (default: AUTH only over verified TLS)" : name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config value: "", none, may, encrypt, verify (case-insensitive); "" gives null. */
    static TlsLevel parse(String key, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "none": return NONE;
            case "may": return MAY;
            case "encrypt": return ENCRYPT;
            case "verify": return VERIFY;
            default:
                throw new ConfigException(key + " must be one of \"none\", \"may\", \"encrypt\", \"verify\" "
                        + "(or \"\" for the default), got \"" + value + "\"");
        }
    }

    /**
     * The level a provider runs at: its {@code tlsLevel} when set; else {@code verify} when it
     * has {@code ssl} or {@code requireStartTls} (what those keys meant before levels existed);
     * else {@link #DEFAULT}. Contradictions are config errors.
     */
    static TlsLevel resolve(String key, String configured, boolean ssl, boolean requireStartTls) {
        TlsLevel level = parse(key, configured);
        if (level == null) {
            return ssl || requireStartTls ? VERIFY : DEFAULT;
        }
        if (level == NONE && ssl) {
            throw new ConfigException(key + " is \"none\" but ssl (forwardSSL) is true: implicit TLS "
                    + "cannot run without TLS; set the level to encrypt, may or verify, or ssl to false");
        }
        if ((level == NONE || level == MAY) && requireStartTls) {
            throw new ConfigException(key + " is \"" + configured + "\" but requireStartTls is true: "
                    + "use tlsLevel \"encrypt\" or \"verify\" (requireStartTls is then not needed)");
        }
        return level;
    }
}
