package dev.mailgateway.smtp.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The client's address of one SMTP connection, a channel attribute set once before the greeting:
 * the TCP peer, or with smtp.proxyProtocol the source address of the PROXY header. Every use of
 * "the client address" (access policy, per-IP connection limit, AUTH failure tracking,
 * Received header, logs) reads it from here.
 */
final class ClientAddress {

    private static final AttributeKey<InetAddress> KEY = AttributeKey.valueOf("mailgateway.clientAddress");

    private ClientAddress() {
    }

    /** Sets the address; it may be set only once per channel. */
    static void set(Channel ch, InetAddress ip) {
        if (ip != null && ch.attr(KEY).setIfAbsent(ip) != null) {
            throw new IllegalStateException("client address already set for " + ch);
        }
    }

    /** The address set with {@link #set}, else the TCP peer's; null when the peer is not an IP socket. */
    static InetAddress of(Channel ch) {
        InetAddress ip = ch.attr(KEY).get();
        if (ip != null) {
            return ip;
        }
        return ch.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
    }
}
