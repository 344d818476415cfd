package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5321 4.1.2 paths, RFC 6531 3.3 UTF-8 addresses. */
class SmtpPathParserTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<a@b.c>|a@b.c",
        "<first.last+tag@sub.example.com>|first.last+tag@sub.example.com",
        " <a@b.c>|a@b.c",
        "<\"john doe\"@example.com>|\"john doe\"@example.com",
        "<\"a\\\"b\"@example.com>|\"a\\\"b\"@example.com",
        "<user@[192.0.2.1]>|user@[192.0.2.1]",
        "<user@[IPv6:2001:db8::1]>|user@[IPv6:2001:db8::1]",
        "<@relay.example,@other.example:user@example.com>|user@example.com",
        "<a@b.c> SIZE=10|a@b.c",
        "<!#$%&'*+-/=?^_`{}~@x.y>|!#$%&'*+-/=?^_`{}~@x.y"
    })
    void acceptsValidPaths(String input, String address) {
        SmtpPathParser.Result r = SmtpPathParser.parse(input, true, false);
        assertThat(r.problem()).isNull();
        assertThat(r.address()).isEqualTo(address);
    }

    @Test
    void nullReversePathOnlyForMailFrom_rfc5321_4_5_5() {
        assertThat(SmtpPathParser.parse("<>", true, false).address()).isEmpty();
        assertThat(SmtpPathParser.parse("<>", false, false).problem()).contains("empty");
    }

    @Test
    void postmasterWithoutDomainOnlyForRcpt_rfc5321_4_1_1_3() {
        assertThat(SmtpPathParser.parse("<Postmaster>", false, false).address()).isEqualTo("Postmaster");
        assertThat(SmtpPathParser.parse("<postmaster>", true, false).ok()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a@b.c|angle brackets",
        "<a@b.c|missing closing angle bracket",
        "<a.@b.c>|ends with a dot",
        "<.a@b.c>|leading or double dot",
        "<a..b@c.d>|double dot",
        "<a b@c.d>|invalid character",
        "<@b.c>|source route",
        "<a@>|missing domain",
        "<a>|missing @domain",
        "<a@b..c>|empty label",
        "<a@-b.c>|hyphen",
        "<a@b_c.d>|invalid character",
        "<a@[999.1.1.1]>|IPv4",
        "<a@[1.2.3]>|IPv4",
        "<\"abc@b.c>|unterminated",
        "<a@b.c>x|unexpected text"
    })
    void rejectsMalformedPathsNamingTheProblem(String input, String problem) {
        SmtpPathParser.Result r = SmtpPathParser.parse(input, true, false);
        assertThat(r.ok()).isFalse();
        assertThat(r.problem()).contains(problem);
    }

    @Test
    void localPartOver64OctetsIsRejected_rfc5321_4_5_3_1_1() {
        assertThat(SmtpPathParser.parse("<" + "a".repeat(65) + "@b.c>", true, false).problem()).contains("64");
        assertThat(SmtpPathParser.parse("<" + "a".repeat(64) + "@b.c>", true, false).ok()).isTrue();
    }

    @ValueSource(strings = {"<jörg@bücher.de>", "<\"δοκιμή\"@example.com>", "<a@παράδειγμα.δοκιμή>"})
    @ParameterizedTest
    void nonAsciiNeedsSmtputf8_rfc6531(String input) {
        assertThat(SmtpPathParser.parse(input, true, false).problem()).contains("SMTPUTF8");
        assertThat(SmtpPathParser.parse(input, true, true).ok()).isTrue();
    }

    @Test
    void parametersStartAfterThePath() {
        SmtpPathParser.Result r = SmtpPathParser.parse("<a@b.c> SIZE=1 BODY=8BITMIME", true, false);
        assertThat("<a@b.c> SIZE=1 BODY=8BITMIME".substring(r.end())).isEqualTo(" SIZE=1 BODY=8BITMIME");
    }
}
