package dev.mailgateway.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** An IPv4 or IPv6 network in CIDR notation; a bare address is a /32 or /128. */
public record Cidr(byte[] network, int prefixLength) {

    /**
     * Parses {@code text} (a literal address, never a host name: nothing is resolved).
     *
     * @param key the config key, for the error message
     */
    public static Cidr parse(String key, String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(key + " entries must be CIDR networks like 10.0.0.0/8, got an empty value");
        }
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        // Only literal addresses reach InetAddress, which would otherwise try DNS: IPv4 as four
        // decimal octets (not the legacy "10.1" forms), IPv6 as hex digits, ':' and '.'.
        boolean v4 = addr.matches("(\\d{1,3}\\.){3}\\d{1,3}")
                && java.util.Arrays.stream(addr.split("\\.")).allMatch(o -> Integer.parseInt(o) <= 255);
        boolean v6 = addr.contains(":") && addr.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw new ConfigException(key + " entries must be CIDR networks like 10.0.0.0/8, got \"" + text + "\"");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(key + " entries must be CIDR networks like 10.0.0.0/8, got \"" + text + "\"");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new ConfigException(key + " entry \"" + text + "\" has a prefix length outside 0-" + max);
            }
        }
        return new Cidr(bytes, prefix);
    }

    public static List<Cidr> parseAll(String key, List<String> texts) {
        return texts.stream().map(t -> parse(key, t)).toList();
    }

    /** True when {@code address} lies in this network (IPv4-mapped IPv6 addresses match IPv4 networks). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    public static boolean anyContains(List<Cidr> networks, InetAddress address) {
        for (Cidr c : networks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }
}
