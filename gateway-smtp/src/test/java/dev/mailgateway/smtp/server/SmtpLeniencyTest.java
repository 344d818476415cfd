package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgateway.testkit.SmtpTestClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #14 points 3 and 6: where Postfix is lenient the gateway is too (bare-LF command lines,
 * paths without angle brackets), strict where the operator asks for it.
 */
class SmtpLeniencyTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @Test
    void bareLfCommandLinesAreAnswered_likeNc_rfc5321_2_3_8() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.send("EHLO x\n");
            c.expect("250-mx.test");
            c.send("MAIL FROM:<a@example.com>\nRCPT TO:<b@example.org>\nDATA\n");
            c.expect("250 2.1.0");
            c.expect("250 2.1.5");
            c.expect("354");
            // DATA keeps its own policy: only <CRLF>.<CRLF> ends it; "\n.\n" is content.
            c.send("Subject: t\r\n\r\nline\n.\nstill body\r\n.\r\n");
            c.expect("250 2.0.0");
            assertThat(new String(smtp.ingress.next().afterReceived(), java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("Subject: t\r\n\r\nline\r\n.\r\nstill body\r\n");
            c.send("QUIT\n");
            c.expect("221");
        }
    }

    @Test
    void bareLfCommandLineInRejectModeIs500_5_5_2AtOnce() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test", "bareLineFeed": "reject"},
                 "security": {"requireAuth": false}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.send("EHLO x\n");
            assertThat(c.reply()).startsWith("500 5.5.2").contains("CRLF");
            c.line("EHLO x").expect("250-mx.test"); // the next CRLF line is a fresh command
        }
    }

    @Test
    void mailAndRcptWithoutAngleBracketsAreAcceptedByDefault() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:a@example.com SIZE=100").expect("250 2.1.0");
            c.line("RCPT TO:b@example.org").expect("250 2.1.5");
            c.line("RCPT TO: c@example.org").expect("250 2.1.5");
            c.line("RCPT TO:bad@@example.org").expect("501 5.1.3"); // still validated
            c.line("RCPT TO:x>@example.org").expect("501 5.1.3");
            c.line("DATA").expect("354");
            c.send("Subject: t\r\n\r\nhi\r\n.\r\n").expect("250 2.0.0");
            assertThat(smtp.ingress.next().envelope().recipients())
                    .containsExactly("b@example.org", "c@example.org");
        }
    }

    @Test
    void requireAngleBracketsRestoresTheStrictBehaviour() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test", "requireAngleBrackets": true},
                 "security": {"requireAuth": false}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:a@b.c").expect("501 5.1.7")).contains("angle brackets");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            assertThat(c.line("RCPT TO:d@e.f").expect("501 5.1.3")).contains("angle brackets");
        }
    }

    @Test
    void heloWithoutArgumentNamesHelo() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("HELO").reply()).isEqualTo("501 5.5.4 Syntax: HELO domain or address literal");
            assertThat(c.line("EHLO").reply()).isEqualTo("501 5.5.4 Syntax: EHLO domain or address literal");
        }
    }

    @Test
    void swaksDeliversThroughTheDefaultConfiguration() throws Exception {
        assumeTrue(ExternalTool.installed("swaks"), "swaks not installed (apt-get install -y swaks)");
        ExternalTool.Run r = ExternalTool.run(List.of("swaks", "--server", "127.0.0.1",
                "--port", String.valueOf(smtp.address.getPort()), "--from", "app@example.com",
                "--to", "ops@example.org", "--header", "Subject: swaks", "--body", "hello"), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("250 2.0.0 Ok: queued as");
        assertThat(smtp.ingress.next().envelope().sender()).isEqualTo("app@example.com");
    }
}
