package dev.mailgateway.relay.client;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.TlsLevel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound TLS contexts by (level enforces verification?, CA file), built once and shared by
 * every worker, and the last TLS outcome of each provider ("TLSv1.3, certificate verified",
 * "STARTTLS handshake failed: …") for {@code /health}. Thread-safe.
 *
 * <p>A context given to the constructor (tests, embedders with their own trust) replaces the
 * per-level contexts for every provider; levels still decide whether TLS is used and required.
 */
public final class UpstreamTlsPolicies {

    private static final Logger log = LoggerFactory.getLogger(UpstreamTlsPolicies.class);

    private final UpstreamTls fixed;
    private final Map<String, UpstreamTls> contexts = new ConcurrentHashMap<>();
    private final Map<String, String> lastOutcome = new ConcurrentHashMap<>();
    private final Map<String, Boolean> announced = new ConcurrentHashMap<>();

    /** @param fixed one context for every provider, or null for per-level contexts */
    public UpstreamTlsPolicies(UpstreamTls fixed) {
        this.fixed = fixed;
    }

    /**
     * Builds (and caches) the contexts these providers need and logs each provider's level.
     * {@link RelayService} calls it at start, off the event loops, so the CA files are read there.
     */
    public void prepare(List<ProviderConfig> providers) {
        for (ProviderConfig p : providers) {
            forProvider(p);
        }
    }

    /** The context for this provider; builds it on first use (a provider added by a reload). */
    public UpstreamTls forProvider(ProviderConfig p) {
        TlsLevel level = p.effectiveTlsLevel();
        if (announced.putIfAbsent(p.address() + "|" + level + "|" + p.tlsCaFile(), Boolean.TRUE) == null) {
            log.info("provider {}: tlsLevel {}{}, trust {}", p.address(), level.label(),
                    p.tlsLevelExplicit() ? "" : p.ssl() ? " (from ssl)" : p.requireStartTls()
                            ? " (from requireStartTls)" : "",
                    fixed != null ? "supplied context" : p.tlsCaFile().isEmpty() ? "JDK trust store"
                            : "tlsCaFile " + p.tlsCaFile());
        }
        if (fixed != null) {
            return fixed;
        }
        String key = level.verifies() + "|" + p.tlsCaFile();
        UpstreamTls t = contexts.get(key);
        if (t == null) {
            t = contexts.computeIfAbsent(key, k -> UpstreamTls.forLevel(level, p.tlsCaFile()));
        }
        return t;
    }

    /** Notes the latest TLS outcome with this provider (any thread). */
    void record(ProviderConfig p, String outcome) {
        lastOutcome.put(p.address(), outcome);
    }

    /** One entry per provider: address, tlsLevel, last TLS outcome (when there was one). */
    public List<Map<String, String>> describe(List<ProviderConfig> providers) {
        return providers.stream().map(p -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("address", p.address());
            m.put("tlsLevel", p.effectiveTlsLevel().label());
            m.put("tls", p.effectiveTlsLevel() == TlsLevel.NONE ? "off"
                    : lastOutcome.getOrDefault(p.address(), "no connection yet"));
            return m;
        }).toList();
    }
}
