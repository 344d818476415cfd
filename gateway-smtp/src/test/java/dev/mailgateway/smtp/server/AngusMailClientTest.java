package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client: Angus Mail's SMTP transport sends to the running server; the bytes the ingress
 * receives (after our Received header) are exactly what the client's MimeMessage writes.
 */
class AngusMailClientTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @TempDir
    Path dir;

    private Properties props() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(smtp.address.getPort()));
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        p.put("mail.smtp.localhost", "angus.test");
        return p;
    }

    /** Builds a message whose body has lines starting with dots and non-ASCII text. */
    private static MimeMessage message(Session session) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipients(Message.RecipientType.TO, "one@example.org, two@example.org");
        m.addRecipients(Message.RecipientType.CC, "one@example.org");
        m.setSubject("Grüße from Angus");
        m.setText(".leading dot\r\n..two dots\r\n.\r\nnot the end\r\nÄÖÜ ✓\r\n", "UTF-8");
        m.saveChanges();
        return m;
    }

    private CapturingIngress.Captured sendAndCheck(Session session, String user, String password) throws Exception {
        MimeMessage m = message(session);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        m.writeTo(expected);
        try (Transport t = session.getTransport("smtp")) {
            if (user != null) {
                t.connect(user, password);
            } else {
                t.connect();
            }
            t.sendMessage(m, m.getAllRecipients()); // sendMessage keeps the Message-ID written above
        }
        CapturingIngress.Captured got = smtp.ingress.next();
        assertThat(got.afterReceived()).isEqualTo(expected.toByteArray());
        assertThat(got.envelope().sender()).isEqualTo("sender@example.com");
        assertThat(got.envelope().recipients()).containsExactly("one@example.org", "two@example.org");
        assertThat(got.envelope().clientHelo()).isEqualTo("angus.test");
        return got;
    }

    @Test
    void plainConnectionWithoutAuth() throws Exception {
        sendAndCheck(Session.getInstance(props()), null, null);
    }

    @Test
    void authPlain_rfc4954_rfc4616() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "app", "defaultPassword": "s3cret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": true}}""");
        Properties p = props();
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        sendAndCheck(Session.getInstance(p), "app", "s3cret");
        assertThat(smtp.ingress.captured).isEmpty();
    }

    @Test
    void authLogin() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "app", "defaultPassword": "s3cret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": true}}""");
        Properties p = props();
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "LOGIN");
        assertThat(sendAndCheck(Session.getInstance(p), "app", "s3cret").text()).contains("with ESMTPA id");
    }

    @Test
    void wrongPasswordIsRefused() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "app", "defaultPassword": "s3cret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 10}, "security": {"requireAuth": true}}""");
        Properties p = props();
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        try (Transport t = Session.getInstance(p).getTransport("smtp")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.connect("app", "nope"))
                    .isInstanceOf(jakarta.mail.AuthenticationFailedException.class)
                    .hasMessageContaining("535 5.7.8");
        }
    }

    @Test
    void starttlsRequiredThenAuth_rfc3207() throws Exception {
        SelfSignedPem pem = SelfSignedPem.create(dir);
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "app", "defaultPassword": "s3cret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": true},
                 "tls": {"certFile": "%s", "keyFile": "%s"}}"""
                .formatted(SelfSignedPem.json(pem.certFile), SelfSignedPem.json(pem.keyFile)));
        Properties p = props();
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        assertThat(sendAndCheck(Session.getInstance(p), "app", "s3cret").text()).contains("with ESMTPSA id");
    }
}
