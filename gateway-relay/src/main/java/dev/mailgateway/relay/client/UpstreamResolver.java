package dev.mailgateway.relay.client;

import dev.mailgateway.core.net.NettyTransport;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Resolvers for upstream host names ({@code forwardHost}, {@code forwardProviders[].host}):
 * Netty's asynchronous DNS resolver, which answers from {@code /etc/hosts} first, then asks the
 * name servers of {@code /etc/resolv.conf} over UDP on the connecting event loop (never a
 * blocking {@code InetAddress} lookup). Answers are cached for their TTL, so a changed record is
 * picked up without a restart; failures are not cached. IPv4 is preferred, IPv6 used when a
 * name has only AAAA records.
 */
public final class UpstreamResolver {

    /** How long one DNS query may take before the lookup (and so the connect) fails. */
    static final long QUERY_TIMEOUT_MS = 5_000;

    private UpstreamResolver() {
    }

    /** The system's name servers (/etc/resolv.conf) after /etc/hosts. */
    public static AddressResolverGroup<InetSocketAddress> system(NettyTransport transport) {
        return build(transport, DnsServerAddressStreamProviders.platformDefault());
    }

    /** Only the given name server (tests: a DNS server on 127.0.0.1), after /etc/hosts. */
    public static AddressResolverGroup<InetSocketAddress> using(NettyTransport transport, InetSocketAddress server) {
        return build(transport, new SingletonDnsServerAddressStreamProvider(server));
    }

    private static AddressResolverGroup<InetSocketAddress> build(NettyTransport transport,
                                                                 DnsServerAddressStreamProvider servers) {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannelClass())
                .nameServerProvider(servers)
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .queryTimeoutMillis(QUERY_TIMEOUT_MS)
                .negativeTtl(0));
    }

    /** True when a connect failed because the name did not resolve. */
    static boolean isLookupFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }
}
