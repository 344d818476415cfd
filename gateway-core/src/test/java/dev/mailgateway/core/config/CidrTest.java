package dev.mailgateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // literals only: no DNS
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.1, false",
        "172.16.0.0/12, 172.31.255.255, true",
        "172.16.0.0/12, 172.32.0.0, false",
        "192.0.2.7, 192.0.2.7, true",
        "192.0.2.7, 192.0.2.8, false",
        "0.0.0.0/0, 203.0.113.9, true",
        "127.0.0.0/8, ::ffff:127.0.0.1, true",
        "::1/128, ::1, true",
        "::1, 127.0.0.1, false",
        "fd00::/8, fd12:3456::1, true",
        "fd00::/8, fe80::1, false",
        "10.0.0.1/8, 10.9.9.9, true"})
    void containsMatchesTheNetwork(String network, String address, boolean expected) throws Exception {
        assertThat(Cidr.parse("k", network).contains(ip(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "mail.example.com", "10.1", "10.0.0", "1.2.3.4.5", "256.0.0.0", "1.2.3.999",
        "zz::1", "10.0.0.0/8/8", "::g"})
    void refusesAnythingButALiteralAddress(String text) {
        assertThatThrownBy(() -> Cidr.parse("security.allowedNetworks", text))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("security.allowedNetworks ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void refusesAnEmptyEntry(String text) {
        assertThatThrownBy(() -> Cidr.parse("security.allowedNetworks", text))
                .hasMessage("security.allowedNetworks entries must be CIDR networks like 10.0.0.0/8, got an empty value");
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/-1, 32", "10.0.0.0/33, 32", "::/129, 128"})
    void refusesAPrefixOutOfRange(String text, int max) {
        assertThatThrownBy(() -> Cidr.parse("k", text))
                .hasMessage("k entry \"" + text + "\" has a prefix length outside 0-" + max);
    }

    @org.junit.jupiter.api.Test
    void anyContainsChecksEveryNetwork() throws Exception {
        List<Cidr> nets = Cidr.parseAll("k", List.of("10.0.0.0/8", "192.168.0.0/16"));
        assertThat(Cidr.anyContains(nets, ip("192.168.1.1"))).isTrue();
        assertThat(Cidr.anyContains(nets, ip("172.16.0.1"))).isFalse();
        assertThat(Cidr.anyContains(List.of(), ip("10.0.0.1"))).isFalse();
    }
}
