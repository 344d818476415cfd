package dev.mailgateway.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogAddressTest {

    @Test
    void masksKeepingTheFirstCharacterAndTheLowerCasedDomain() {
        assertThat(LogAddress.of("john.doe@Example.COM", false)).isEqualTo("j***@example.com");
        assertThat(LogAddress.of("john", false)).isEqualTo("j***");
        assertThat(LogAddress.of("@example.com", false)).isEqualTo("***@example.com");
        assertThat(LogAddress.bracketed("john.doe@Example.COM", false)).isEqualTo("<j***@example.com>");
    }

    @Test
    void logAllEmailsShowsTheAddressAsSent() {
        assertThat(LogAddress.of("john.doe@Example.COM", true)).isEqualTo("john.doe@Example.COM");
        assertThat(LogAddress.bracketed("john.doe@Example.COM", true)).isEqualTo("<john.doe@Example.COM>");
    }

    @Test
    void theNullPathIsAngleBracketsEitherWay() {
        assertThat(LogAddress.of("", false)).isEqualTo("<>");
        assertThat(LogAddress.of("", true)).isEqualTo("<>");
        assertThat(LogAddress.bracketed("", false)).isEqualTo("<>");
    }

    @Test
    void clientBytesAreEscaped() {
        assertThat(LogAddress.of("a\r\nb@x", true)).isEqualTo("a\\x0D\\x0Ab@x");
        assertThat(LogAddress.bracketed("é\n@x", false)).isEqualTo("<\\xC3\\xA9***@x>");
    }
}
