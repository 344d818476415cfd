package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.spool.MessageIngress.Admission;
import dev.mailgateway.testkit.SmtpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SMTP conversation over a real socket: one test per reply code, RFC sections in names. */
class SmtpServerHandlerTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void greets220WithHostName_rfc5321_4_3_1() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220 mx.test ESMTP");
        }
    }

    @Test
    void ehloAdvertisesExtensionsMultiline_rfc5321_4_1_1_1() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            String r = c.line("EHLO client.test").expect("250-mx.test");
            assertThat(r.split("\n")).containsExactly("250-mx.test", "250-PIPELINING", "250-SIZE 26214400",
                    "250-8BITMIME", "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES", "250 DSN");
        }
    }

    @Test
    void ehloOffersAuthToLoopbackWhenCredentialsConfigured_rfc4954_3() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "u", "defaultPassword": "p",
                 "smtp": {"hostname": "mx.test"}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("EHLO x").expect("250-")).contains("250 AUTH PLAIN LOGIN");
        }
    }

    @Test
    void heloGetsSingleLine250() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            assertThat(c.line("HELO client.test").reply()).isEqualTo("250 mx.test");
        }
    }

    @Test
    void ehloWithoutDomainIs501() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("EHLO").expect("501 5.5.4");
        }
    }

    @Test
    void acceptsAMessageAndRepliesQueuedWithId_rfc5321_4_1_1_4() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<alice@example.com>").expect("250 2.1.0");
            c.line("RCPT TO:<bob@example.org>").expect("250 2.1.5");
            c.line("DATA").expect("354");
            c.send("Subject: hi\r\n\r\nHello\r\n.\r\n");
            String r = c.expect("250 2.0.0 Ok: queued as ");
            CapturingIngress.Captured m = smtp.ingress.next();
            assertThat(r).endsWith(m.envelope().id().value());
            assertThat(m.envelope().sender()).isEqualTo("alice@example.com");
            assertThat(m.envelope().recipients()).containsExactly("bob@example.org");
            assertThat(m.envelope().clientHelo()).isEqualTo("client.test");
            assertThat(m.envelope().clientIp()).isEqualTo("127.0.0.1");
            assertThat(new String(m.afterReceived(), StandardCharsets.US_ASCII))
                    .isEqualTo("Subject: hi\r\n\r\nHello\r\n");
            assertThat(m.text()).startsWith("Received: from client.test ([127.0.0.1])\r\n\tby mx.test with ESMTP id "
                    + m.envelope().id().value() + ";\r\n\t");
            c.line("QUIT").expect("221 2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(smtp.metrics.emailsAccepted.getCount()).isEqualTo(1);
        assertThat(smtp.metrics.recipientsAccepted.getCount()).isEqualTo(1);
        assertThat(smtp.metrics.acceptLatency.getCount()).isEqualTo(1);
    }

    @Test
    void nullReversePathIsAccepted_rfc5321_4_5_5() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<>").expect("250 2.1.0");
            c.line("RCPT TO:<postmaster>").expect("250 2.1.5");
        }
    }

    @Test
    void unknownCommandIs500() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("FOO bar").expect("500 5.5.1");
        }
    }

    @Test
    void mailBeforeHeloIs503() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("MAIL FROM:<a@b.c>").expect("503 5.5.1");
        }
    }

    @Test
    void rcptBeforeMailAndDataBeforeMailAre503_rfc5321_4_1_4() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("RCPT TO:<a@b.c>").expect("503 5.5.1");
            c.line("DATA").expect("503 5.5.1");
        }
    }

    @Test
    void secondMailInATransactionIs503() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("MAIL FROM:<a@b.c>").expect("503 5.5.1");
        }
    }

    @Test
    void dataWithoutRecipientsIs554_rfc2920_3_1() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("DATA").expect("554 5.5.1");
        }
    }

    @Test
    void mailWithoutFromColonIs501() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL <a@b.c>").expect("501 5.5.4");
        }
    }

    @Test
    void badSenderIs501_5_1_7_namingTheProblem() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:<a@b.c").expect("501 5.1.7")).contains("angle bracket");
        }
    }

    @Test
    void malformedRecipientIs501_5_1_3() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            assertThat(c.line("RCPT TO:<a..b@c.d>").expect("501 5.1.3")).contains("double dot");
            c.line("RCPT TO:<>").expect("501 5.1.3");
        }
    }

    @Test
    void unknownMailParameterIs555_rfc5321_4_1_1_11() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:<a@b.c> FOO=1").expect("555 5.5.4")).contains("FOO");
        }
    }

    @Test
    void badBodyValueIs501() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c> BODY=BINARYMIME").expect("501 5.5.4");
        }
    }

    @Test
    void mailParametersAreAcceptedAndRecorded_rfc1870_rfc6152_rfc6531() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<jörg@bücher.de> SIZE=100 BODY=8BITMIME SMTPUTF8").expect("250");
            c.line("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή>").expect("250");
            c.line("DATA").expect("354");
            c.send("Subject: é\r\n\r\nü\r\n.\r\n").expect("250 2.0.0");
            CapturingIngress.Captured m = smtp.ingress.next();
            assertThat(m.envelope().smtpUtf8()).isTrue();
            assertThat(m.envelope().eightBit()).isTrue();
            assertThat(m.envelope().sender()).isEqualTo("jörg@bücher.de");
            assertThat(m.envelope().recipients()).containsExactly("δοκιμή@παράδειγμα.δοκιμή");
            assertThat(m.afterReceived()).isEqualTo("Subject: é\r\n\r\nü\r\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void nonAsciiAddressWithoutSmtputf8Is501_rfc6531_3_4() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:<jörg@bücher.de>").expect("501 5.1.7")).contains("SMTPUTF8");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<jörg@bücher.de>").expect("501 5.1.3");
        }
    }

    @Test
    void declaredSizeOverTheLimitIs552AtMailFrom_rfc1870_6() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c> SIZE=26214401").expect("552 5.3.4");
        }
    }

    @Test
    void bodyOverTheLimitIsReadToTheDotThen552() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}, "limits": {"maxMessageSizeBytes": 1000}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send(("x".repeat(100) + "\r\n").repeat(100) + ".\r\n");
            c.expect("552 5.3.4");
            c.line("NOOP").expect("250 2.0.0");
            c.line("RCPT TO:<d@e.f>").expect("503"); // the transaction is over
        }
        assertThat(smtp.ingress.captured).isEmpty();
    }

    @Test
    void bareLfMessageIs550InRejectMode() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test", "bareLineFeed": "reject"},
                 "security": {"requireAuth": false}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("a\nb\r\n.\r\n").expect("550 5.6.0");
        }
        assertThat(smtp.ingress.captured).isEmpty();
    }

    @Test
    void tooManyRecipientsIs452ForEachOverTheLimit_rfc5321_4_5_3_1_10() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}, "limits": {"maxRecipients": 2}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<r1@e.f>").expect("250");
            c.line("RCPT TO:<r2@e.f>").expect("250");
            c.line("RCPT TO:<r3@e.f>").expect("452 4.5.3");
            c.line("RCPT TO:<r4@e.f>").expect("452 4.5.3");
            c.line("RCPT TO:<r1@E.F>").expect("250"); // a duplicate is not a new recipient
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("250");
        }
        assertThat(smtp.ingress.next().envelope().recipients()).containsExactly("r1@e.f", "r2@e.f");
    }

    @Test
    void rsetMidTransactionStartsOver_rfc5321_4_1_1_5() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<old@b.c>").expect("250");
            c.line("RCPT TO:<old@e.f>").expect("250");
            c.line("RSET").expect("250 2.0.0");
            c.line("RCPT TO:<x@e.f>").expect("503");
            c.line("MAIL FROM:<new@b.c>").expect("250");
            c.line("RCPT TO:<new@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("250");
        }
        CapturingIngress.Captured m = smtp.ingress.next();
        assertThat(m.envelope().sender()).isEqualTo("new@b.c");
        assertThat(m.envelope().recipients()).containsExactly("new@e.f");
    }

    @Test
    void noopVrfyHelpReply250_252_214() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("NOOP").expect("250 2.0.0");
            c.line("VRFY bob").expect("252 2.5.0");
            c.line("HELP").expect("214 2.0.0");
            c.line("RSET x").expect("501 5.5.4");
        }
    }

    @Test
    void expnIs502AndArgumentsToDataAre501() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("EXPN list").expect("502 5.5.1");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA now").expect("501 5.5.4");
        }
    }

    @Test
    void authInsideATransactionOrBeforeEhloIs503_rfc4954_4() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": false}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("503 5.5.1");
            c.line("EHLO x").expect("250");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("503 5.5.1");
        }
    }

    @Test
    void plainActingAsAnotherIdentityFailsEvenWithTheRightPassword_rfc4616_2() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 1}, "security": {"requireAuth": true}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("admin\0user\0secret")).expect("535");
            c.line("AUTH PLAIN " + b64("user\0user\0secret")).expect("235 2.7.0");
        }
    }

    @Test
    void requireAuthRefusesMailBeforeAuthWith530_rfc4954_6() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}, "security": {"requireAuth": true}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("530 5.7.0 Authentication required");
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("235 2.7.0");
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("250");
        }
        CapturingIngress.Captured m = smtp.ingress.next();
        assertThat(m.envelope().authUser()).isEqualTo("user");
        assertThat(m.text()).contains("with ESMTPA id");
    }

    @Test
    void authLoginWithChallenges_rfc4954_4() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH LOGIN").expect("334 VXNlcm5hbWU6");
            c.line(b64("user")).expect("334 UGFzc3dvcmQ6");
            c.line(b64("secret")).expect("235 2.7.0");
            c.line("AUTH PLAIN").expect("503 5.5.1");
        }
    }

    @Test
    void authPlainWithoutInitialResponseGetsEmptyChallenge() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("AUTH PLAIN").reply()).isEqualTo("334 ");
            c.line(b64("\0user\0secret")).expect("235");
        }
    }

    @Test
    void starCancelsAuthWith501_rfc4954_4() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test"}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH LOGIN").expect("334");
            c.line("*").expect("501 5.0.0");
            c.line("NOOP").expect("250");
            c.line("AUTH PLAIN !!!notbase64").expect("501 5.5.2");
            c.line("AUTH CRAM-MD5").expect("504 5.5.4");
        }
    }

    @Test
    void badCredentialsAre535AfterTheDelay_rfc4954_6() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 200}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            long start = System.nanoTime();
            // pipelined NOOP must be answered after the delayed 535, in order
            c.send("AUTH PLAIN " + b64("\0user\0wrong") + "\r\nNOOP\r\n");
            c.expect("535 5.7.8");
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            c.expect("250 2.0.0");
            assertThat(waitedMs).as("the 535 is delayed by smtp.authFailureDelayMs").isGreaterThanOrEqualTo(150);
        }
        assertThat(smtp.metrics.authFailures.getCount()).isEqualTo(1);
    }

    @Test
    void repeatedAuthFailuresFromOneIpAre421AndClose() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 0, "maxAuthFailures": 3}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0user\0a")).expect("535");
            c.line("AUTH PLAIN " + b64("\0user\0b")).expect("535");
            c.line("AUTH PLAIN " + b64("\0user\0c")).expect("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("421 4.7.0"); // still blocked
        }
    }

    @Test
    void oneAppsBadPasswordDoesNotLockOutAnotherUserFromTheSameAddress_issue14() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 0, "maxAuthFailures": 2}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0other-app\0a")).expect("535");
            c.line("AUTH PLAIN " + b64("\0other-app\0b")).expect("421 4.7.0");
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("235 2.7.0");
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0other-app\0right-or-not")).expect("421 4.7.0");
        }
    }

    @Test
    void oneAddressGuessingManyUserNamesHitsTheCeiling_issue14() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "defaultUsername": "user", "defaultPassword": "secret",
                 "smtp": {"hostname": "mx.test", "authFailureDelayMs": 0, "maxAuthFailures": 2}}""");
        for (int i = 0; i < 7; i++) {
            try (SmtpTestClient c = smtp.ehloClient()) {
                c.line("AUTH PLAIN " + b64("\0guess" + i + "\0x")).expect("535");
            }
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0guess7\0x")).expect("421 4.7.0"); // the 8th = 4 x 2
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0user\0secret")).expect("421 4.7.0"); // the address is blocked
        }
    }

    @Test
    void authWithoutCredentialsConfiguredIs502() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + b64("\0a\0b")).expect("502 5.5.1");
        }
    }

    @Test
    void starttlsWithoutTlsConfiguredIs502() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("STARTTLS").expect("502 5.5.1");
        }
    }

    @Test
    void admissionQueueFullIs452AndUnavailableIs451_atMailFrom() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            smtp.ingress.admission = Admission.QUEUE_FULL;
            c.line("MAIL FROM:<a@b.c>").expect("452 4.3.1");
            smtp.ingress.admission = Admission.DISK_LOW;
            c.line("MAIL FROM:<a@b.c>").expect("452 4.3.1");
            smtp.ingress.admission = Admission.UNAVAILABLE;
            c.line("MAIL FROM:<a@b.c>").expect("451 4.3.0");
            smtp.ingress.admission = Admission.OK;
            c.line("MAIL FROM:<a@b.c>").expect("250");
        }
    }

    @Test
    void spoolFailureIs451NeverA250() throws Exception {
        smtp.ingress.fail = true;
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("451 4.3.0");
            c.line("NOOP").expect("250");
        }
        assertThat(smtp.metrics.emailsAccepted.getCount()).isZero();
    }

    @Test
    void rateLimitIs451_4_7_1NamingTheLimit() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false},
                 "rateLimits": {"enabled": true, "maxPerHour": 2, "maxPerDay": 100}}""");
        try (SmtpTestClient c = smtp.ehloClient()) {
            for (int i = 0; i < 2; i++) {
                c.line("MAIL FROM:<Sender@b.c>").expect("250");
                c.line("RCPT TO:<d@e.f>").expect("250");
                c.line("DATA").expect("354");
                c.send("x\r\n.\r\n").expect("250");
            }
            String r = c.line("MAIL FROM:<sender@B.C>").expect("451 4.7.1");
            assertThat(r).contains("maxPerHour 2").containsPattern("try again in \\d+ seconds");
            c.line("MAIL FROM:<other@b.c>").expect("250"); // a different sender has its own quota
        }
        assertThat(smtp.metrics.rateLimited.getCount()).isEqualTo(1);
    }

    @Test
    void refusedMessageDoesNotBurnRateQuota() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false},
                 "rateLimits": {"enabled": true, "maxPerHour": 1, "maxPerDay": 100}}""");
        smtp.ingress.fail = true;
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<s@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("451 4.3.0");
            smtp.ingress.fail = false;
            c.line("MAIL FROM:<s@b.c>").expect("250");
            c.line("RCPT TO:<d@e.f>").expect("250");
            c.line("DATA").expect("354");
            c.send("x\r\n.\r\n").expect("250");
            c.line("MAIL FROM:<s@b.c>").expect("451 4.7.1");
        }
    }

    @Test
    void rateLimitReloadAppliesToNewTransactions() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<s@b.c>").expect("250");
            c.line("RSET").expect("250");
            smtp.reload("""
                    {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                     "security": {"requireAuth": false},
                     "rateLimits": {"enabled": true, "maxPerHour": 1, "maxPerDay": 100}}""");
            c.line("MAIL FROM:<s@b.c>").expect("250"); // holds the single slot
            c.line("RSET").expect("250");
        }
    }
}
