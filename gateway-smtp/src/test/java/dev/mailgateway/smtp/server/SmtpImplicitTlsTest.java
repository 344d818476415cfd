package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 point 2: {@code smtp.implicitTlsPort}, a listener that speaks TLS from the first
 * byte (RFC 8314 section 3.3), tried with curl {@code smtps://} and Angus Mail with SSL, both
 * trusting a CA made in the test.
 */
class SmtpImplicitTlsTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @TempDir
    Path dir;

    private TestCa ca;
    private int tlsPort;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void start() throws Exception {
        ca = TestCa.create(dir);
        tlsPort = freePort();
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "app", "defaultPassword": "s3cret",
                 "smtp": {"hostname": "mx.test", "implicitTlsPort": %d},
                 "tls": {"certFile": "%s", "keyFile": "%s"},
                 "security": {"requireAuth": false}}"""
                .formatted(tlsPort, SelfSignedPem.json(ca.certFile), SelfSignedPem.json(ca.keyFile)));
        assertThat(smtp.server.implicitTlsAddress().getPort()).isEqualTo(tlsPort);
    }

    @Test
    void curlSmtpsDeliversAndReceivedSaysEsmtpsa() throws Exception {
        assumeTrue(ExternalTool.installed("curl"), "curl not installed");
        Path msg = Files.writeString(dir.resolve("msg.txt"), "Subject: via curl\r\n\r\nhello over TLS\r\n");
        ExternalTool.Run r = ExternalTool.run(List.of("curl", "-sS", "-v", "--max-time", "30",
                "--url", "smtps://127.0.0.1:" + tlsPort, "--cacert", ca.caFile.toString(),
                "--user", "app:s3cret", "--mail-from", "app@example.com", "--mail-rcpt", "ops@example.org",
                "--upload-file", msg.toString()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        CapturingIngress.Captured m = smtp.ingress.next();
        String all = new String(m.content(), StandardCharsets.UTF_8);
        assertThat(all).contains("with ESMTPSA id");
        assertThat(new String(m.afterReceived(), StandardCharsets.UTF_8))
                .isEqualTo("Subject: via curl\r\n\r\nhello over TLS\r\n");
        assertThat(m.envelope().recipients()).containsExactly("ops@example.org");
    }

    @Test
    void angusMailWithSslDeliversAndReceivedSaysEsmtps() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(tlsPort));
        p.put("mail.smtp.ssl.enable", "true");
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        p.put("mail.smtp.ssl.socketFactory", ca.clientContext().getSocketFactory());
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipients(Message.RecipientType.TO, "one@example.org");
        m.setSubject("smtps");
        m.setText("body\r\n");
        Transport.send(m);
        String all = new String(smtp.ingress.next().content(), StandardCharsets.UTF_8);
        assertThat(all).contains("with ESMTPS id");
    }

    @Test
    void theTlsPortDoesNotOfferStartTlsAndOffersAuthToAnyPeer() throws Exception {
        try (SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            var out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220 mx.test");
            out.write("EHLO client\r\n".getBytes(StandardCharsets.US_ASCII));
            StringBuilder ehlo = new StringBuilder();
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                ehlo.append(l).append('\n');
                if (l.charAt(3) == ' ') {
                    break;
                }
            }
            assertThat(ehlo.toString()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("503");
        }
    }

    @Test
    void plainTextOnTheTlsPortGetsNoSmtpAndIsClosed() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", tlsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("EHLO x\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] b = s.getInputStream().readAllBytes(); // a TLS alert at most, then EOF
            assertThat(new String(b, StandardCharsets.ISO_8859_1)).doesNotContain("220").doesNotContain("250");
        }
    }

    @Test
    void implicitTlsPortWithoutCertificateRefusesToStart() {
        assertThatThrownBy(() -> smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"implicitTlsPort": %d},
                 "security": {"requireAuth": false}}""".formatted(tlsPort)))
                .hasMessageContaining("smtp.implicitTlsPort").hasMessageContaining("tls.certFile");
    }
}
