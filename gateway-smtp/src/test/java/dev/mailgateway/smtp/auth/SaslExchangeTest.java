package dev.mailgateway.smtp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 4954 exchanges for PLAIN (RFC 4616) and LOGIN. */
class SaslExchangeTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainWithInitialResponse() {
        SaslExchange.Step s = SaslExchange.forMechanism("plain").start(b64("\0user\0pass"));
        assertThat(s.isCredentials()).isTrue();
        assertThat(s.user()).isEqualTo("user");
        assertThat(new String(s.password(), StandardCharsets.UTF_8)).isEqualTo("pass");
        assertThat(s.toString()).doesNotContain("pass");
    }

    @Test
    void plainWithAuthzidEqualToAuthcidIsAccepted() {
        assertThat(SaslExchange.forMechanism("PLAIN").start(b64("user\0user\0pass")).user()).isEqualTo("user");
    }

    @Test
    void plainActingAsAnotherUserIsMarkedSoItFails() {
        SaslExchange.Step s = SaslExchange.forMechanism("PLAIN").start(b64("admin\0user\0pass"));
        assertThat(s.isCredentials()).isTrue();
        assertThat(s.user()).isEqualTo("user");
        assertThat(s.otherIdentity()).isTrue();
        assertThat(SaslExchange.forMechanism("PLAIN").start(b64("user\0user\0pass")).otherIdentity()).isFalse();
    }

    @Test
    void plainWithoutInitialResponseChallengesEmpty() {
        SaslExchange x = SaslExchange.forMechanism("PLAIN");
        SaslExchange.Step s = x.start(null);
        assertThat(s.isChallenge()).isTrue();
        assertThat(s.reply().text()).isEqualTo("334 ");
        assertThat(x.next(b64("\0u\0p")).user()).isEqualTo("u");
    }

    @Test
    void loginAsksUsernameThenPassword() {
        SaslExchange x = SaslExchange.forMechanism("LOGIN");
        assertThat(x.start(null).reply().text()).isEqualTo("334 VXNlcm5hbWU6");
        assertThat(x.next(b64("user")).reply().text()).isEqualTo("334 UGFzc3dvcmQ6");
        SaslExchange.Step s = x.next(b64("pass"));
        assertThat(s.user()).isEqualTo("user");
        assertThat(new String(s.password(), StandardCharsets.UTF_8)).isEqualTo("pass");
    }

    @Test
    void loginWithInitialUsername() {
        SaslExchange x = SaslExchange.forMechanism("LOGIN");
        assertThat(x.start(b64("user")).reply().text()).startsWith("334 UGFzc3dvcmQ6");
    }

    @Test
    void starCancelsWith501AndBadBase64Is501() {
        assertThat(SaslExchange.forMechanism("LOGIN").start("*").reply().text()).startsWith("501 5.0.0");
        assertThat(SaslExchange.forMechanism("PLAIN").start("%%%").reply().text()).startsWith("501 5.5.2");
        assertThat(SaslExchange.forMechanism("PLAIN").start(b64("no nul bytes")).reply().text()).startsWith("501");
    }

    @Test
    void unknownMechanismIsNull() {
        assertThat(SaslExchange.forMechanism("CRAM-MD5")).isNull();
    }
}
