package dev.mailgateway.core.config;

/**
 * One upstream smarthost. Lower {@code priority} is preferred; {@code ssl} is implicit TLS
 * (e.g. port 465); {@code requireStartTls} refuses to send unless STARTTLS succeeds.
 */
public record ProviderConfig(
        String host, int port, String username, String password, boolean ssl, int priority,
        boolean requireStartTls) {

    public ProviderConfig {
        host = Check.notBlank("forwardProviders[].host", host);
        Check.port("forwardProviders[].port", port);
        username = Check.orEmpty(username);
        password = Check.orEmpty(password);
    }

    /** Defaults for the fields a provider entry may leave out. */
    public static ProviderConfig template() {
        return new ProviderConfig("smtp.example.com", 587, "", "", false, 0, false);
    }

    public boolean hasCredentials() {
        return !username.isEmpty();
    }

    /** host:port, for logs and metric names. */
    public String address() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
