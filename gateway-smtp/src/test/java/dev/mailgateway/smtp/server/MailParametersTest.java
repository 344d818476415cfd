package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MailParametersTest {

    @Test
    void readsSizeBodyAndSmtputf8_rfc1870_rfc6152_rfc6531() {
        MailParameters p = MailParameters.parse(" size=1234 BODY=8bitmime SMTPUTF8");
        assertThat(p.size()).isEqualTo(1234);
        assertThat(p.eightBit()).isTrue();
        assertThat(p.smtpUtf8()).isTrue();
        assertThat(p.unknown()).isNull();
        assertThat(p.problem()).isNull();
    }

    @Test
    void emptyIsDefaults() {
        assertThat(MailParameters.parse("")).isEqualTo(new MailParameters(0, false, false, null, null));
    }

    @Test
    void unknownParameterIsNamed() {
        assertThat(MailParameters.parse("MT-PRIORITY=3").unknown()).isEqualTo("MT-PRIORITY");
        assertThat(MailParameters.parse("RET=FULL").ret()).isEqualTo("FULL"); // RFC 3461 since issue #14
    }

    @Test
    void malformedValuesAreProblems() {
        assertThat(MailParameters.parse("SIZE=abc").problem()).contains("SIZE");
        assertThat(MailParameters.parse("SIZE").problem()).contains("SIZE");
        assertThat(MailParameters.parse("BODY=BINARYMIME").problem()).contains("BODY");
        assertThat(MailParameters.parse("SMTPUTF8=yes").problem()).contains("SMTPUTF8");
    }

    @Test
    void authParameterIsAcceptedAndIgnored_rfc4954_5() {
        assertThat(MailParameters.parse("AUTH=<>").problem()).isNull();
        assertThat(MailParameters.parse("AUTH=<>").unknown()).isNull();
    }
}
