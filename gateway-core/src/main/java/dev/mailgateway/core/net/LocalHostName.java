package dev.mailgateway.core.net;

import java.net.InetAddress;

/**
 * The name this host gives itself in SMTP (the greeting, EHLO, Received): {@code smtp.hostname}
 * when set, else the canonical name of the local host, as an address literal in brackets when
 * that is an address (RFC 5321 4.1.3), or {@code localhost} when the lookup fails. The lookup may
 * block: call it at start-up, never on an event loop.
 */
public final class LocalHostName {

    private LocalHostName() {
    }

    public static String orConfigured(String configured) {
        if (!configured.isBlank()) {
            return configured;
        }
        try {
            String host = InetAddress.getLocalHost().getCanonicalHostName();
            return host.matches("[0-9.]+") ? "[" + host + "]" : host.contains(":") ? "[IPv6:" + host + "]" : host;
        } catch (Exception e) {
            return "localhost";
        }
    }
}
