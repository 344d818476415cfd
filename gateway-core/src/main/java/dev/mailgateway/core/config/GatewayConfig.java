package dev.mailgateway.core.config;

import java.util.List;

/**
 * The whole gateway configuration: every key of the spec's table plus the gateway's own.
 *
 * <p>Immutable. {@link ConfigLoader} builds it from defaults, the JSON file and the environment,
 * in that order of precedence (env wins). Compact constructors validate each value and name the
 * key in the message; {@link #validateForStartup()} checks the combinations that would make a
 * dangerous or useless gateway (an open relay, AUTH with no credentials, forwarding with no host).
 */
public record GatewayConfig(
        String smtpHost,
        int smtpPort,
        String defaultUsername,
        String defaultPassword,
        boolean forwardSMTP,
        String forwardHost,
        int forwardPort,
        String forwardUsername,
        String forwardPassword,
        boolean forwardSSL,
        List<ProviderConfig> forwardProviders,
        int batchSize,
        int batchDelay,
        boolean continueOnError,
        boolean enableHealthCheck,
        int healthCheckPort,
        String adminHost,
        int workerCount,
        int queueSize,
        int processingTimeout,
        String emailsDir,
        RateLimitsConfig rateLimits,
        SecurityConfig security,
        RetryConfig retry,
        LimitsConfig limits,
        SpoolConfig spool,
        TlsConfig tls,
        SmtpConfig smtp,
        RelayConfig relay,
        AdminConfig admin,
        String forwardTlsLevel,
        String forwardTlsCaFile) {

    public GatewayConfig {
        smtpHost = Check.notBlank("smtpHost", smtpHost);
        Check.listenPort("smtpPort", smtpPort);
        defaultUsername = Check.orEmpty(defaultUsername);
        defaultPassword = Check.orEmpty(defaultPassword);
        forwardHost = Check.orEmpty(forwardHost);
        Check.port("forwardPort", forwardPort);
        forwardUsername = Check.orEmpty(forwardUsername);
        forwardPassword = Check.orEmpty(forwardPassword);
        forwardProviders = forwardProviders == null ? List.of() : List.copyOf(forwardProviders);
        Check.positive("batchSize", batchSize);
        Check.nonNegative("batchDelay", batchDelay);
        Check.listenPort("healthCheckPort", healthCheckPort);
        adminHost = Check.notBlank("adminHost", adminHost);
        Check.positive("workerCount", workerCount);
        Check.positive("queueSize", queueSize);
        if (queueSize < workerCount) {
            throw new ConfigException("queueSize must be >= workerCount (" + workerCount
                    + ") so every worker has a queue slot, got " + queueSize);
        }
        Check.positive("processingTimeout", processingTimeout);
        emailsDir = Check.notBlank("emailsDir", emailsDir);
        rateLimits = rateLimits == null ? RateLimitsConfig.defaults() : rateLimits;
        security = security == null ? SecurityConfig.defaults() : security;
        retry = retry == null ? RetryConfig.defaults() : retry;
        limits = limits == null ? LimitsConfig.defaults() : limits;
        spool = spool == null ? SpoolConfig.defaults() : spool;
        tls = tls == null ? TlsConfig.defaults() : tls;
        smtp = smtp == null ? SmtpConfig.defaults() : smtp;
        relay = relay == null ? RelayConfig.defaults() : relay;
        admin = admin == null ? AdminConfig.defaults() : admin;
        forwardTlsLevel = Check.orEmpty(forwardTlsLevel);
        forwardTlsCaFile = Check.orEmpty(forwardTlsCaFile);
        TlsLevel.resolve("forwardTlsLevel", forwardTlsLevel, forwardSSL, false);
        for (int i = 0; i < forwardProviders.size(); i++) {
            ProviderConfig p = forwardProviders.get(i);
            try {
                p.withTlsDefaults(forwardTlsLevel, forwardTlsCaFile);
            } catch (ConfigException e) {
                throw new ConfigException(e.getMessage().replace("forwardProviders[].tlsLevel",
                        "forwardProviders[" + i + "].tlsLevel (or forwardTlsLevel)"));
            }
        }
    }

    /** The same configuration before the outbound TLS keys existed: default TLS policy. */
    public GatewayConfig(String smtpHost, int smtpPort, String defaultUsername, String defaultPassword,
            boolean forwardSMTP, String forwardHost, int forwardPort, String forwardUsername,
            String forwardPassword, boolean forwardSSL, List<ProviderConfig> forwardProviders, int batchSize,
            int batchDelay, boolean continueOnError, boolean enableHealthCheck, int healthCheckPort,
            String adminHost, int workerCount, int queueSize, int processingTimeout, String emailsDir,
            RateLimitsConfig rateLimits, SecurityConfig security, RetryConfig retry, LimitsConfig limits,
            SpoolConfig spool, TlsConfig tls, SmtpConfig smtp, RelayConfig relay, AdminConfig admin) {
        this(smtpHost, smtpPort, defaultUsername, defaultPassword, forwardSMTP, forwardHost, forwardPort,
                forwardUsername, forwardPassword, forwardSSL, forwardProviders, batchSize, batchDelay,
                continueOnError, enableHealthCheck, healthCheckPort, adminHost, workerCount, queueSize,
                processingTimeout, emailsDir, rateLimits, security, retry, limits, spool, tls, smtp, relay,
                admin, "", "");
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final String DEFAULT_SMTP_HOST = "127.0.0.1";
    public static final int DEFAULT_SMTP_PORT = 25;
    public static final String DEFAULT_DEFAULT_USERNAME = "";
    public static final String DEFAULT_DEFAULT_PASSWORD = "";
    public static final boolean DEFAULT_FORWARD_SMTP = false;
    public static final String DEFAULT_FORWARD_HOST = "";
    public static final int DEFAULT_FORWARD_PORT = 587;
    public static final String DEFAULT_FORWARD_USERNAME = "";
    public static final String DEFAULT_FORWARD_PASSWORD = "";
    public static final boolean DEFAULT_FORWARD_SSL = false;
    public static final List<ProviderConfig> DEFAULT_FORWARD_PROVIDERS = List.of();
    public static final int DEFAULT_BATCH_SIZE = 20;
    public static final int DEFAULT_BATCH_DELAY = 1000;
    public static final boolean DEFAULT_CONTINUE_ON_ERROR = true;
    public static final boolean DEFAULT_ENABLE_HEALTH_CHECK = true;
    public static final int DEFAULT_HEALTH_CHECK_PORT = 8025;
    public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
    public static final int DEFAULT_WORKER_COUNT = 5;
    public static final int DEFAULT_QUEUE_SIZE = 1000;
    public static final int DEFAULT_PROCESSING_TIMEOUT = 300;
    public static final String DEFAULT_EMAILS_DIR = "emails";
    public static final String DEFAULT_FORWARD_TLS_LEVEL = "";
    public static final String DEFAULT_FORWARD_TLS_CA_FILE = "";

    /** The spec's defaults, plus the gateway's own. */
    public static GatewayConfig defaults() {
        return new GatewayConfig(DEFAULT_SMTP_HOST, DEFAULT_SMTP_PORT, DEFAULT_DEFAULT_USERNAME,
                DEFAULT_DEFAULT_PASSWORD, DEFAULT_FORWARD_SMTP, DEFAULT_FORWARD_HOST,
                DEFAULT_FORWARD_PORT, DEFAULT_FORWARD_USERNAME, DEFAULT_FORWARD_PASSWORD,
                DEFAULT_FORWARD_SSL, DEFAULT_FORWARD_PROVIDERS, DEFAULT_BATCH_SIZE,
                DEFAULT_BATCH_DELAY, DEFAULT_CONTINUE_ON_ERROR, DEFAULT_ENABLE_HEALTH_CHECK,
                DEFAULT_HEALTH_CHECK_PORT, DEFAULT_ADMIN_HOST, DEFAULT_WORKER_COUNT,
                DEFAULT_QUEUE_SIZE, DEFAULT_PROCESSING_TIMEOUT, DEFAULT_EMAILS_DIR,
                RateLimitsConfig.defaults(), SecurityConfig.defaults(), RetryConfig.defaults(),
                LimitsConfig.defaults(), SpoolConfig.defaults(), TlsConfig.defaults(),
                SmtpConfig.defaults(), RelayConfig.defaults(), AdminConfig.defaults(),
                DEFAULT_FORWARD_TLS_LEVEL, DEFAULT_FORWARD_TLS_CA_FILE);
    }

    /** True when SMTP AUTH credentials are configured for inbound clients. */
    public boolean hasInboundCredentials() {
        return !defaultUsername.isEmpty() && !defaultPassword.isEmpty();
    }

    /**
     * The upstreams to relay to, lowest priority number first: {@code forwardProviders} when it
     * is non-empty, otherwise one provider built from the single {@code forward*} keys. Empty
     * when forwarding is off (local delivery).
     */
    public List<ProviderConfig> effectiveProviders() {
        if (!forwardSMTP) {
            return List.of();
        }
        if (!forwardProviders.isEmpty()) {
            return forwardProviders.stream()
                    .sorted(java.util.Comparator.comparingInt(ProviderConfig::priority))
                    .map(p -> p.withTlsDefaults(forwardTlsLevel, forwardTlsCaFile))
                    .toList();
        }
        return List.of(new ProviderConfig(forwardHost, forwardPort, forwardUsername,
                forwardPassword, forwardSSL, 0, false, forwardTlsLevel, forwardTlsCaFile));
    }

    /**
     * Checks the combinations a gateway must refuse to start with; each message says how to fix it.
     *
     * @throws ConfigException naming the keys involved
     */
    public GatewayConfig validateForStartup() {
        if (security.requireAuth() && !hasInboundCredentials()) {
            throw new ConfigException("security.requireAuth is true but defaultUsername or "
                    + "defaultPassword is empty: set both (env DEFAULT_USERNAME, DEFAULT_PASSWORD), "
                    + "or set security.requireAuth to false");
        }
        if (!security.allowLocalOnly() && !security.requireAuth() && !security.allowOpenRelay()) {
            throw new ConfigException("security.allowLocalOnly is false and security.requireAuth "
                    + "is false: anyone who can reach the port could relay mail (an open relay). "
                    + "Set security.requireAuth to true, or restrict security.allowedNetworks and "
                    + "set security.allowOpenRelay to true to accept this explicitly");
        }
        if (forwardSMTP && forwardProviders.isEmpty() && forwardHost.isBlank()) {
            throw new ConfigException("forwardSMTP is true but forwardHost is empty and "
                    + "forwardProviders is empty: set forwardHost (env FORWARD_HOST) or "
                    + "forwardProviders, or set forwardSMTP to false for local delivery");
        }
        return this;
    }

    /** Every component, with {@code defaultPassword} and {@code forwardPassword} shown as {@code ****}. */
    @Override
    public String toString() {
        return Secrets.toString(this);
    }
}
