package dev.mailgateway.smtp.server;

import dev.mailgateway.core.net.LocalHostName;
import dev.mailgateway.core.config.Cidr;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ReloadableSettings;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.smtp.SmtpMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.smtp.auth.AuthFailureTracker;
import dev.mailgateway.smtp.auth.CredentialVerifier;
import dev.mailgateway.smtp.auth.SaslExchange;
import dev.mailgateway.smtp.codec.SmtpReply;
import dev.mailgateway.smtp.ratelimit.RateLimiter;
import dev.mailgateway.smtp.ratelimit.RateLimits;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What every connection of one {@link SmtpServer} shares: collaborators, settings copied from
 * the config at start-up (final fields: they keep their start value until a restart), the
 * replies that name this host, and the shared limiters. What a reload may change (credentials,
 * rate limits, logAllEmails, requireAngleBrackets: {@link ReloadableSettings}) is read through
 * {@link #settings()} when used. Immutable apart from the thread-safe limiters and the volatile
 * shutdown flag.
 */
final class SmtpServerContext {

    final LiveConfig live;
    final MessageIngress ingress;
    final SmtpMetrics metrics;
    final QueueIdGenerator ids;
    final String hostname;
    final int maxLineLength;
    final long maxMessageSize;
    final int maxRecipients;
    final int idleTimeoutSec;
    final int commandDeadlineSec;
    final int dataDeadlineSec;
    final boolean rejectBareLf;
    /** security.requireAuth: MAIL before AUTH is refused. */
    final boolean requireAuth;
    /** smtp.authFailureDelayMs: the pause before a 535. */
    final int authFailureDelayMs;
    final boolean allowLocalOnly;
    final List<Cidr> allowedNetworks;
    final SslContext sslContext;
    final RateLimiter rateLimiter;
    final RateLimits rateLimits;
    final CredentialVerifier credentials;
    final AuthFailureTracker authFailures;
    final ConnectionLimiter connections;
    final boolean proxyProtocol;
    final List<Cidr> proxyTrustedNetworks;
    /** limits.maxBufferedDataBytes, shared by every connection of this server. */
    final DataBudget dataBudget;
    /** spool.writeTimeoutSec: the end of DATA answers 451 when the spool takes longer. */
    final int spoolWriteTimeoutSec;

    final SmtpReply greeting;
    final SmtpReply heloReply;
    /** EHLO replies indexed by (starttls ? 1 : 0) + (auth ? 2 : 0). */
    private final SmtpReply[] ehloReplies = new SmtpReply[4];

    private volatile boolean shuttingDown;

    SmtpServerContext(LiveConfig live, MessageIngress ingress, GatewayMetrics metrics,
            QueueIdGenerator ids, SslContext sslContext) {
        GatewayConfig c = live.current();
        this.live = live;
        this.ingress = ingress;
        this.metrics = new SmtpMetrics(metrics);
        this.ids = ids;
        this.hostname = LocalHostName.orConfigured(c.smtp().hostname());
        this.maxLineLength = c.smtp().maxLineLength();
        this.maxMessageSize = c.limits().maxMessageSizeBytes();
        this.maxRecipients = c.limits().maxRecipients();
        this.idleTimeoutSec = c.limits().idleTimeoutSec();
        this.commandDeadlineSec = c.limits().commandDeadlineSec();
        this.dataDeadlineSec = c.limits().dataDeadlineSec();
        this.rejectBareLf = c.smtp().rejectBareLineFeed();
        this.requireAuth = c.security().requireAuth();
        this.authFailureDelayMs = c.smtp().authFailureDelayMs();
        this.allowLocalOnly = c.security().allowLocalOnly();
        this.allowedNetworks = Cidr.parseAll("security.allowedNetworks", c.security().allowedNetworks());
        this.sslContext = sslContext;
        this.rateLimits = RateLimits.create(() -> live.settings().rateLimits()); // Redis when rateLimits.redis.uri
        this.rateLimiter = rateLimits.local();
        this.credentials = new CredentialVerifier(live::settings);
        int maxAuthFailures = c.smtp().maxAuthFailures();
        int authFailureWindowSec = c.smtp().authFailureWindowSec();
        this.authFailures = new AuthFailureTracker(() -> maxAuthFailures, () -> authFailureWindowSec,
                System::currentTimeMillis);
        this.connections = new ConnectionLimiter(c.limits().maxConnections(), c.limits().maxConnectionsPerIp());
        this.proxyProtocol = c.smtp().proxyProtocol();
        this.proxyTrustedNetworks = Cidr.parseAll("smtp.proxyTrustedNetworks", c.smtp().proxyTrustedNetworks());
        this.dataBudget = new DataBudget(c.limits().maxBufferedDataBytes());
        this.spoolWriteTimeoutSec = c.spool().writeTimeoutSec();

        this.greeting = SmtpReply.plain(220, hostname + " ESMTP ready");
        this.heloReply = SmtpReply.plain(250, hostname);
        for (int i = 0; i < 4; i++) {
            List<String> lines = new ArrayList<>();
            lines.add(hostname);
            lines.add("PIPELINING");
            lines.add("SIZE " + maxMessageSize);
            lines.add("8BITMIME");
            lines.add("SMTPUTF8");
            lines.add("ENHANCEDSTATUSCODES");
            lines.add("DSN"); // RFC 3461: parameters kept and passed to upstreams that offer DSN
            if ((i & 1) != 0) {
                lines.add("STARTTLS");
            }
            if ((i & 2) != 0) {
                lines.add("AUTH " + SaslExchange.MECHANISMS);
            }
            ehloReplies[i] = SmtpReply.multiline(250, lines);
        }
    }

    /** What a reload may change, as now in effect: read when needed, never kept. */
    ReloadableSettings settings() {
        return live.settings();
    }

    SmtpReply ehloReply(boolean startTls, boolean auth) {
        return ehloReplies[(startTls ? 1 : 0) + (auth ? 2 : 0)];
    }

    /** security.allowLocalOnly: loopback only; otherwise security.allowedNetworks (empty = anyone). */
    boolean admits(InetAddress ip) {
        if (ip == null) {
            return false;
        }
        if (allowLocalOnly) {
            return ip.isLoopbackAddress();
        }
        return allowedNetworks.isEmpty() || Cidr.anyContains(allowedNetworks, ip);
    }

    /** smtp.proxyTrustedNetworks: may this TCP peer send a PROXY header? */
    boolean trustedProxy(InetAddress ip) {
        return ip != null && Cidr.anyContains(proxyTrustedNetworks, ip);
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    void beginShutdown() {
        shuttingDown = true;
    }
}
