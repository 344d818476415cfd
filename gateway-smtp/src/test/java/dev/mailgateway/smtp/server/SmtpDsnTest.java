package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.testkit.SmtpTestClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue #14 point 7: DSN (RFC 3461) advertised, parameters validated and kept with the envelope. */
class SmtpDsnTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @Test
    void dsnIsAdvertisedAndItsParametersAreKeptPerRecipient_rfc3461_4() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("EHLO client.test").expect("250-")).contains("250 DSN");
            c.line("MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ314159+2Bx").expect("250 2.1.0");
            c.line("RCPT TO:<b@example.org>").expect("250 2.1.5");
            c.line("RCPT TO:<c@example.org> NOTIFY=success,failure ORCPT=rfc822;c+40example.org").expect("250 2.1.5");
            c.line("RCPT TO:<d@example.org> NOTIFY=NEVER").expect("250 2.1.5");
            c.line("DATA").expect("354");
            c.send("Subject: dsn\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
        }
        Dsn dsn = smtp.ingress.next().envelope().dsn();
        assertThat(dsn).isEqualTo(new Dsn("HDRS", "QQ314159+2Bx", List.of("", "SUCCESS,FAILURE", "NEVER"),
                List.of("", "rfc822;c+40example.org", "")));
    }

    @Test
    void noParametersMeansNoDsn() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@example.com>").expect("250");
            c.line("RCPT TO:<b@example.org>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("250 2.0.0");
        }
        assertThat(smtp.ingress.next().envelope().dsn()).isEqualTo(Dsn.NONE);
    }

    @Test
    void malformedDsnParametersAre501AndUnknownOnes555() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:<a@example.com> RET=ALL").expect("501 5.5.4")).contains("RET");
            assertThat(c.line("MAIL FROM:<a@example.com> ENVID=has=equals").expect("501 5.5.4")).contains("ENVID");
            assertThat(c.line("MAIL FROM:<a@example.com> ENVID=" + "x".repeat(101)).expect("501 5.5.4")).contains("ENVID");
            assertThat(c.line("MAIL FROM:<a@example.com> RET=FULL RET=HDRS").expect("501 5.5.4")).contains("twice");
            c.line("MAIL FROM:<a@example.com> RET=FULL").expect("250");
            assertThat(c.line("RCPT TO:<b@example.org> NOTIFY=NEVER,SUCCESS").expect("501 5.5.4")).contains("NEVER");
            assertThat(c.line("RCPT TO:<b@example.org> NOTIFY=SOMETIMES").expect("501 5.5.4")).contains("NOTIFY");
            assertThat(c.line("RCPT TO:<b@example.org> ORCPT=b@example.org").expect("501 5.5.4")).contains("ORCPT");
            assertThat(c.line("RCPT TO:<b@example.org> ORCPT=rfc822;b+zzexample").expect("501 5.5.4")).contains("xtext");
            assertThat(c.line("RCPT TO:<b@example.org> FOO=1").expect("555 5.5.4")).contains("FOO");
            c.line("RCPT TO:<b@example.org> ORCPT=rfc822;b@example.org").expect("250 2.1.5");
        }
    }

    @Test
    void pythonSmtplibWithDsnOptionsIsAccepted() throws Exception {
        // Debian's swaks (20201014) has no DSN options; Python's smtplib sends them as told
        assumeTrue(ExternalTool.installed("python3"), "python3 not installed");
        String script = String.join("\n",
                "import smtplib, sys",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)",
                "s.ehlo('py.test')",
                "assert s.has_extn('dsn'), s.esmtp_features",
                "s.sendmail('app@example.com', ['ops@example.org'], 'Subject: py\\r\\n\\r\\nhi\\r\\n',",
                "           mail_options=['RET=HDRS', 'ENVID=ENV42'],",
                "           rcpt_options=['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;ops@example.org'])",
                "s.quit()");
        ExternalTool.Run r = ExternalTool.run(List.of("python3", "-c", script,
                String.valueOf(smtp.address.getPort())), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        Dsn dsn = smtp.ingress.next().envelope().dsn();
        assertThat(dsn.ret()).isEqualTo("HDRS");
        assertThat(dsn.envId()).isEqualTo("ENV42");
        assertThat(dsn.notifyOf(0)).isEqualTo("SUCCESS,FAILURE");
        assertThat(dsn.orcptOf(0)).isEqualTo("rfc822;ops@example.org");
    }
}
