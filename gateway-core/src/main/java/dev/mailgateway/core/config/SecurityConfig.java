package dev.mailgateway.core.config;

import java.util.List;

/**
 * Who may connect and what is logged. {@code allowedNetworks} applies to SMTP when
 * {@code allowLocalOnly} is false; {@code adminAllowedNetworks} always applies to the admin API.
 * Networks are CIDR strings ({@code 10.0.0.0/8}, {@code ::1/128}) or single addresses.
 */
public record SecurityConfig(
        boolean allowLocalOnly,
        boolean logAllEmails,
        boolean requireAuth,
        boolean allowOpenRelay,
        List<String> allowedNetworks,
        List<String> adminAllowedNetworks) {

    public SecurityConfig {
        allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
        adminAllowedNetworks = adminAllowedNetworks == null
                ? List.of("127.0.0.0/8", "::1/128") : List.copyOf(adminAllowedNetworks);
        for (String n : allowedNetworks) {
            Cidr.parse("security.allowedNetworks", n);
        }
        for (String n : adminAllowedNetworks) {
            Cidr.parse("security.adminAllowedNetworks", n);
        }
    }

    // The defaults by name, one per component; ConfigurationDocTest checks the documented ones against defaults().
    public static final boolean DEFAULT_ALLOW_LOCAL_ONLY = true;
    public static final boolean DEFAULT_LOG_ALL_EMAILS = true;
    public static final boolean DEFAULT_REQUIRE_AUTH = true;
    public static final boolean DEFAULT_ALLOW_OPEN_RELAY = false;
    public static final List<String> DEFAULT_ALLOWED_NETWORKS = List.of();
    public static final List<String> DEFAULT_ADMIN_ALLOWED_NETWORKS = List.of("127.0.0.0/8", "::1/128");

    public static SecurityConfig defaults() {
        return new SecurityConfig(DEFAULT_ALLOW_LOCAL_ONLY, DEFAULT_LOG_ALL_EMAILS, DEFAULT_REQUIRE_AUTH,
                DEFAULT_ALLOW_OPEN_RELAY, DEFAULT_ALLOWED_NETWORKS, DEFAULT_ADMIN_ALLOWED_NETWORKS);
    }
}
