package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.SmtpTestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207) with a self-signed certificate generated in the test, then AUTH (RFC 4954). */
class SmtpStartTlsTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @TempDir
    Path dir;

    @BeforeEach
    void startWithTls() throws Exception {
        SelfSignedPem pem = SelfSignedPem.create(dir);
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": true},
                 "tls": {"certFile": "%s", "keyFile": "%s"}}"""
                .formatted(SelfSignedPem.json(pem.certFile), SelfSignedPem.json(pem.keyFile)));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void ehloAdvertisesStarttlsUntilTlsIsActive_rfc3207_4() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("EHLO x").expect("250-")).contains("250-STARTTLS");
            c.line("STARTTLS").expect("220 2.0.0");
            c.startTls();
            String ehlo = c.line("EHLO x").expect("250-");
            assertThat(ehlo).doesNotContain("STARTTLS").contains("AUTH PLAIN LOGIN");
            c.line("STARTTLS").expect("503 5.5.1");
        }
    }

    @Test
    void sessionIsResetAfterStarttls_rfc3207_4_2() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("EHLO x").expect("250");
            c.line("STARTTLS").expect("220");
            c.startTls();
            c.line("MAIL FROM:<a@b.c>").expect("503 5.5.1"); // EHLO again first
        }
    }

    @Test
    void authOverTlsThenAMessageMarkedEsmtpsa() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("EHLO x").expect("250");
            c.line("STARTTLS").expect("220");
            c.startTls();
            c.line("EHLO x").expect("250");
            c.line("AUTH LOGIN").expect("334");
            c.line(b64("user")).expect("334");
            c.line(b64("secret")).expect("235 2.7.0");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("Subject: tls\r\n\r\nbody\r\n.\r\n").expect("250 2.0.0");
        }
        assertThat(smtp.ingress.next().text()).contains("with ESMTPSA id");
    }

    @Test
    void commandsPipelinedAfterStarttlsAreDiscarded_rfc3207_4_2() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("EHLO x").expect("250");
            // the classic STARTTLS injection: plaintext commands behind STARTTLS in one packet
            c.send("STARTTLS\r\nAUTH PLAIN " + b64("\0user\0secret") + "\r\nMAIL FROM:<evil@x.y>\r\n");
            c.expect("220");
            c.startTls();
            c.line("NOOP").expect("250 2.0.0"); // not a reply meant for the injected commands
            c.line("EHLO x").expect("250");
            c.line("MAIL FROM:<a@b.c>").expect("530 5.7.0"); // the injected AUTH did not count
        }
    }

    @Test
    void authOnAPlainConnectionFromLoopbackIsStillOffered() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("EHLO x").expect("250-")).contains("AUTH PLAIN LOGIN");
        }
    }
}
