package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import io.netty.channel.local.LocalAddress;
import org.junit.jupiter.api.Test;

class AdminAccessTest {

    private static InetSocketAddress peer(String ip) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(ip), 40000);
    }

    @Test
    void defaultAllowsIpv4AndIpv6LoopbackOnly() throws Exception {
        AdminAccess access = new AdminAccess(ConfigLoader.fromJson("{}"));
        assertThat(access.allows(peer("127.0.0.1"))).isTrue();
        assertThat(access.allows(peer("127.9.8.7"))).isTrue();
        assertThat(access.allows(peer("::1"))).isTrue();
        assertThat(access.allows(peer("::ffff:127.0.0.1"))).isTrue(); // IPv4-mapped
        assertThat(access.allows(peer("10.0.0.1"))).isFalse();
        assertThat(access.allows(peer("192.168.1.20"))).isFalse();
        assertThat(access.allows(peer("fe80::1"))).isFalse();
    }

    @Test
    void configuredNetworksReplaceTheDefault() throws Exception {
        AdminAccess access = new AdminAccess(ConfigLoader.fromJson(
                "{\"security\": {\"adminAllowedNetworks\": [\"10.1.0.0/16\", \"127.0.0.1\"]}}"));
        assertThat(access.allows(peer("10.1.200.3"))).isTrue();
        assertThat(access.allows(peer("10.2.0.1"))).isFalse();
        assertThat(access.allows(peer("127.0.0.1"))).isTrue();
        assertThat(access.allows(peer("127.0.0.2"))).isFalse();
    }

    @Test
    void nonInetPeersAreRefused() {
        AdminAccess access = new AdminAccess(ConfigLoader.fromJson("{}"));
        assertThat(access.allows(new LocalAddress("x"))).isFalse();
        assertThat(access.allows(null)).isFalse();
    }

    @Test
    void noTokenMeansNoAuthorizationNeeded() {
        AdminAccess access = new AdminAccess(ConfigLoader.fromJson("{}"));
        assertThat(access.tokenRequired()).isFalse();
        assertThat(access.authorized(null)).isTrue();
    }

    @Test
    void tokenMustMatchExactly() {
        AdminAccess access = new AdminAccess(ConfigLoader.fromJson("{\"admin\": {\"token\": \"abc123\"}}"));
        assertThat(access.tokenRequired()).isTrue();
        assertThat(access.authorized("Bearer abc123")).isTrue();
        assertThat(access.authorized("BEARER abc123")).isTrue(); // RFC 9110 11.1: scheme is case-insensitive
        assertThat(access.authorized(null)).isFalse();
        assertThat(access.authorized("")).isFalse();
        assertThat(access.authorized("Bearer")).isFalse();
        assertThat(access.authorized("Bearer ")).isFalse();
        assertThat(access.authorized("Bearer abc12")).isFalse();
        assertThat(access.authorized("Bearer abc1234")).isFalse();
        assertThat(access.authorized("Bearer ABC123")).isFalse();
        assertThat(access.authorized("abc123")).isFalse();
    }

    @Test
    void adminPathsAreTheAdminTree() {
        assertThat(AdminAccess.isAdminPath("/admin")).isTrue();
        assertThat(AdminAccess.isAdminPath("/admin/retry-failed")).isTrue();
        assertThat(AdminAccess.isAdminPath("/administrator")).isFalse();
        assertThat(AdminAccess.isAdminPath("/health")).isFalse();
    }
}
