package dev.mailgateway.core.config;

/**
 * One upstream smarthost. Lower {@code priority} is preferred; {@code ssl} is implicit TLS
 * (e.g. port 465); {@code requireStartTls} refuses to send unless STARTTLS succeeds.
 * {@code tlsLevel} (none, may, encrypt, verify; "" = derived, see {@link TlsLevel#resolve}) and
 * {@code tlsCaFile} (PEM; "" = the JDK trust store) set the outbound TLS policy.
 */
public record ProviderConfig(
        String host, int port, String username, String password, boolean ssl, int priority,
        boolean requireStartTls, String tlsLevel, String tlsCaFile) {

    public ProviderConfig {
        host = Check.notBlank("forwardProviders[].host", host);
        Check.port("forwardProviders[].port", port);
        username = Check.orEmpty(username);
        password = Check.orEmpty(password);
        tlsLevel = Check.orEmpty(tlsLevel);
        tlsCaFile = Check.orEmpty(tlsCaFile);
        TlsLevel.resolve("forwardProviders[].tlsLevel", tlsLevel, ssl, requireStartTls);
    }

    /** A provider with the default TLS policy (level derived from {@code ssl}/{@code requireStartTls}). */
    public ProviderConfig(String host, int port, String username, String password, boolean ssl, int priority,
                          boolean requireStartTls) {
        this(host, port, username, password, ssl, priority, requireStartTls, "", "");
    }

    /** Defaults for the fields a provider entry may leave out. */
    public static ProviderConfig template() {
        return new ProviderConfig("smtp.example.com", 587, "", "", false, 0, false, "", "");
    }

    public boolean hasCredentials() {
        return !username.isEmpty();
    }

    /** host:port, for logs and metric names. */
    public String address() {
        return host + ":" + port;
    }

    /** The TLS level this provider runs at (never null). */
    public TlsLevel effectiveTlsLevel() {
        return TlsLevel.resolve("forwardProviders[].tlsLevel", tlsLevel, ssl, requireStartTls);
    }

    /** True when {@code tlsLevel} was set explicitly (then AUTH may use unverified TLS for may/encrypt). */
    public boolean tlsLevelExplicit() {
        return !tlsLevel.isEmpty();
    }

    /** This entry with {@code tlsLevel}/{@code tlsCaFile} filled from the global keys where empty. */
    public ProviderConfig withTlsDefaults(String level, String caFile) {
        if (!tlsLevel.isEmpty() && !tlsCaFile.isEmpty()) {
            return this;
        }
        return new ProviderConfig(host, port, username, password, ssl, priority, requireStartTls,
                tlsLevel.isEmpty() ? level : tlsLevel, tlsCaFile.isEmpty() ? caFile : tlsCaFile);
    }

    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
