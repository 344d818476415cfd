package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.smtp.DefaultSmtpResponse;
import org.junit.jupiter.api.Test;

/** EHLO keywords (RFC 5321 4.1.1.1, RFC 2920, RFC 1870, RFC 3207, RFC 4954, RFC 6152, RFC 6531). */
class UpstreamCapabilitiesTest {

    @Test
    void parsesTheExtensionsTheClientUses() {
        UpstreamCapabilities caps = UpstreamCapabilities.parse(new DefaultSmtpResponse(250,
                "mx.example.com greets you", "PIPELINING", "SIZE 35882577", "8BITMIME", "STARTTLS",
                "AUTH LOGIN PLAIN XOAUTH2", "SMTPUTF8", "ENHANCEDSTATUSCODES"));
        assertThat(caps.esmtp()).isTrue();
        assertThat(caps.pipelining()).isTrue();
        assertThat(caps.size()).isTrue();
        assertThat(caps.maxSize()).isEqualTo(35882577L);
        assertThat(caps.eightBitMime()).isTrue();
        assertThat(caps.startTls()).isTrue();
        assertThat(caps.authPlain()).isTrue();
        assertThat(caps.authLogin()).isTrue();
        assertThat(caps.smtpUtf8()).isTrue();
    }

    @Test
    void firstLineIsTheDomainNotAKeyword() {
        UpstreamCapabilities caps = UpstreamCapabilities.parse(new DefaultSmtpResponse(250, "PIPELINING"));
        assertThat(caps.pipelining()).isFalse();
    }

    @Test
    void lineOfOnlySeparatorsIsSkipped() {
        assertThat(UpstreamCapabilities.parse(new DefaultSmtpResponse(250, "mx", "=", " ", "PIPELINING")).pipelining())
                .isTrue();
    }

    @Test
    void negativeSizeIsNoLimitNotANegativeOne_rfc1870_4() {
        assertThat(UpstreamCapabilities.parse(new DefaultSmtpResponse(250, "mx", "SIZE -5")).maxSize()).isZero();
    }

    @Test
    void sizeWithoutNumberMeansNoDeclaredLimit() {
        UpstreamCapabilities caps = UpstreamCapabilities.parse(new DefaultSmtpResponse(250, "mx", "size", "auth=login"));
        assertThat(caps.size()).isTrue();
        assertThat(caps.maxSize()).isZero();
        assertThat(caps.authLogin()).as("old AUTH=LOGIN form").isTrue();
    }
}
