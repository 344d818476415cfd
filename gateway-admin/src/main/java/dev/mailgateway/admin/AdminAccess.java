package dev.mailgateway.admin;

import dev.mailgateway.core.config.Cidr;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Who may use the admin API: the peer's address must lie in
 * {@code security.adminAllowedNetworks} (checked on the connection's remote address, so binding
 * 0.0.0.0 in a container stays local-only), and {@code /admin/*} additionally needs
 * {@code Authorization: Bearer <admin.token>} when a token is configured; token guessing is
 * throttled per address by {@link #throttle()}. Immutable apart from the thread-safe throttle.
 */
final class AdminAccess {

    private static final String BEARER = "Bearer ";

    private final List<Cidr> allowedNetworks;
    private final byte[] token;
    private final AdminTokenThrottle throttle;

    AdminAccess(GatewayConfig config) {
        this(config, new GatewayMetrics());
    }

    AdminAccess(GatewayConfig config, GatewayMetrics metrics) {
        this.throttle = new AdminTokenThrottle(config.admin(), metrics, System::currentTimeMillis);
        this.allowedNetworks = Cidr.parseAll("security.adminAllowedNetworks",
                config.security().adminAllowedNetworks());
        this.token = config.admin().token().getBytes(StandardCharsets.UTF_8);
    }

    /** True when the peer may talk to the admin API at all. */
    boolean allows(SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress inet)) {
            return false;
        }
        InetAddress address = inet.getAddress();
        return address != null && Cidr.anyContains(allowedNetworks, address);
    }

    AdminTokenThrottle throttle() {
        return throttle;
    }

    boolean tokenRequired() {
        return token.length > 0;
    }

    /**
     * True when no token is configured, or the {@code Authorization} header carries it. The
     * comparison takes the same time wherever the first wrong byte is (MessageDigest.isEqual).
     */
    boolean authorized(String authorizationHeader) {
        if (!tokenRequired()) {
            return true;
        }
        if (authorizationHeader == null
                || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorizationHeader.substring(BEARER.length()).trim()
                .getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, token);
    }

    /** True for paths under {@code /admin}, which the token protects. */
    static boolean isAdminPath(String path) {
        return path.equals("/admin") || path.startsWith("/admin/");
    }
}
