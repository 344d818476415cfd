package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpstreamConnectorTest {

    @Test
    void credentialsMayGoInClearTextOnlyToThisHost() {
        assertThat(UpstreamConnector.isLoopback("127.0.0.1")).isTrue();
        assertThat(UpstreamConnector.isLoopback("localhost")).isTrue();
        assertThat(UpstreamConnector.isLoopback("[::1]")).isTrue();
        assertThat(UpstreamConnector.isLoopback("smtp.example.com")).isFalse();
        assertThat(UpstreamConnector.isLoopback("10.0.0.5")).isFalse();
        assertThat(UpstreamConnector.isLoopback("127.example.com")).as("a name, not an address").isFalse();
        assertThat(UpstreamConnector.isLoopback("127.0.0.2")).isTrue();
    }
}
