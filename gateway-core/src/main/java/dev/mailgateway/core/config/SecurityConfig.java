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

    public static SecurityConfig defaults() {
        return new SecurityConfig(true, true, true, false, List.of(),
                List.of("127.0.0.0/8", "::1/128"));
    }
}
