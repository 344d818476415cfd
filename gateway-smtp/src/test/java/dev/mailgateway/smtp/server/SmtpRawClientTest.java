package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.SmtpTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Raw sockets for what polite clients never send: smuggling, pipelining abuse, slow and huge input. */
class SmtpRawClientTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    @Test
    void lfDotLfSmugglingYieldsOneMessage_cve_2023_51764() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
            c.expect("250");
            c.expect("250");
            c.expect("354");
            c.send("Subject: legit\r\n\r\nhi\n.\nMAIL FROM:<admin@bank.example>\nRCPT TO:<victim@e.f>\nDATA\n"
                    + "Subject: smuggled\r\n\r\nx\r\n.\r\n");
            c.expect("250 2.0.0 Ok: queued");
            c.line("NOOP").expect("250 2.0.0 Ok"); // the next reply is ours, nothing smuggled ran
        }
        CapturingIngress.Captured m = smtp.ingress.next();
        assertThat(m.envelope().recipients()).containsExactly("d@e.f");
        assertThat(new String(m.afterReceived(), StandardCharsets.US_ASCII)).isEqualTo(
                "Subject: legit\r\n\r\nhi\r\n.\r\nMAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@e.f>\r\n"
                        + "DATA\r\nSubject: smuggled\r\n\r\nx\r\n");
        assertThat(smtp.ingress.captured).isEmpty();
    }

    @Test
    void lfDotCrlfAndCrDotCrDoNotEndData_cve_2023_51764() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
            c.expect("250");
            c.expect("250");
            c.expect("354");
            c.send("one\n.\r\ntwo\r.\rthree\r\n.\r\n");
            c.expect("250 2.0.0");
        }
        assertThat(new String(smtp.ingress.next().afterReceived(), StandardCharsets.US_ASCII))
                .isEqualTo("one\r\n.\r\ntwo\r.\rthree\r\n");
    }

    @Test
    void twoWholeTransactionsInOneWriteAreAnsweredInOrder_rfc2920() throws Exception {
        smtp.ingress.hold = true;
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<one@e.f>\r\nDATA\r\nfirst\r\n.\r\n"
                    + "MAIL FROM:<a@b.c>\r\nRCPT TO:<two@e.f>\r\nDATA\r\nsecond\r\n.\r\nQUIT\r\n");
            c.expect("250 2.1.0");
            c.expect("250 2.1.5");
            c.expect("354");
            // the spool holds the first message: the second transaction must wait for its 250
            smtp.ingress.releaseOne(true);
            c.expect("250 2.0.0 Ok: queued");
            c.expect("250 2.1.0");
            c.expect("250 2.1.5");
            c.expect("354");
            smtp.ingress.releaseOne(true);
            c.expect("250 2.0.0 Ok: queued");
            c.expect("221");
        }
        assertThat(smtp.ingress.next().envelope().recipients()).containsExactly("one@e.f");
        assertThat(smtp.ingress.next().envelope().recipients()).containsExactly("two@e.f");
    }

    @Test
    void pipelinedGroupWithErrorsGetsOneReplyPerCommand_rfc2920_3_1() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<bad>\r\nRCPT TO:<ok@e.f>\r\nBOGUS\r\nDATA\r\n");
            c.expect("250 2.1.0");
            c.expect("501 5.1.3");
            c.expect("250 2.1.5");
            c.expect("500 5.5.1");
            c.expect("354");
            c.send("x\r\n.\r\n").expect("250 2.0.0");
        }
    }

    @Test
    void clientThatPipelinesWithoutReadingGetsEveryReplyInOrder_rfc2920() throws Exception {
        int count = 200_000; // 1.2 MB of commands, 2.8 MB of replies: more than socket buffers hold
        try (SmtpTestClient c = smtp.ehloClient()) {
            byte[] noops = "NOOP\r\n".repeat(count).getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    c.send(noops);
                    c.send("QUIT\r\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int i = 0; i < count; i++) {
                String r = c.reply();
                if (!r.equals("250 2.0.0 Ok")) {
                    throw new AssertionError("reply " + i + ": " + r);
                }
            }
            c.expect("221");
            writer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void slowClientSendingOneByteAtATimeIsUnderstood() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            for (byte b : "EHLO slow.example\r\n".getBytes(StandardCharsets.US_ASCII)) {
                c.send(new byte[] {b});
            }
            c.expect("250-mx.test");
            for (byte b : "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII)) {
                c.send(new byte[] {b});
            }
            c.expect("250");
            c.expect("250");
            c.expect("354");
            for (byte b : "slow\r\n..\r\n.\r\n".getBytes(StandardCharsets.US_ASCII)) {
                c.send(new byte[] {b});
            }
            c.expect("250 2.0.0");
        }
        assertThat(new String(smtp.ingress.next().afterReceived(), StandardCharsets.US_ASCII)).isEqualTo("slow\r\n.\r\n");
    }

    @Test
    void hugeLineIsAnswered500AndTheSessionGoesOn_rfc5321_4_5_3_1_4() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'A');
            for (int i = 0; i < 16; i++) { // 16 MiB without a line end
                c.send(chunk);
            }
            c.send("\r\n");
            c.expect("500 5.5.2 Line too long");
            c.line("NOOP").expect("250");
        }
    }

    @Test
    void idleClientGets421AndIsClosed() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}, "limits": {"idleTimeoutSec": 1}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
            c.expect("421 4.4.2");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void connectionsOverThePerIpLimitGet421AtConnect() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}, "limits": {"maxConnectionsPerIp": 2}}""");
        // one at a time: connections land on different loops, so their admission order is only
        // fixed once each has been greeted
        try (SmtpTestClient a = smtp.client()) {
            a.expect("220");
            try (SmtpTestClient b = smtp.client()) {
                b.expect("220");
                try (SmtpTestClient c = smtp.client()) {
                    c.expect("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
                    assertThat(smtp.server.openConnections()).isEqualTo(2);
                }
            }
        }
        assertThat(smtp.metrics.connectionsRejected.getCount()).isEqualTo(1);
        awaitOpenConnections(0);
    }

    @Test
    void connectionsOverTheTotalLimitGet421AtConnect() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}, "limits": {"maxConnections": 1}}""");
        try (SmtpTestClient a = smtp.client()) {
            a.expect("220");
            try (SmtpTestClient b = smtp.client()) {
                b.expect("421 4.7.0");
            }
        }
    }

    @Test
    void peerOutsideAllowedNetworksGets554AndIsClosed() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false, "allowLocalOnly": false, "allowedNetworks": ["10.0.0.0/8"]}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("554 5.7.1");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(smtp.metrics.connectionsRejected.getCount()).isEqualTo(1);
    }

    @Test
    void peerInsideAllowedNetworksIsServed() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false, "allowLocalOnly": false, "allowedNetworks": ["127.0.0.0/8"]}}""");
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220");
        }
    }

    @Test
    void quitClosesAndIgnoresWhatFollows() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("QUIT\r\nNOOP\r\n");
            c.expect("221 2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void shutdownClosesIdleSessionsAndLetsTransactionsFinish() throws Exception {
        try (SmtpTestClient idle = smtp.ehloClient(); SmtpTestClient busy = smtp.ehloClient()) {
            busy.line("MAIL FROM:<a@b.c>").expect("250");
            CompletableFuture<Void> stopped = smtp.server.shutdown(Duration.ofSeconds(10));
            idle.expect("421 4.3.2");
            busy.line("RCPT TO:<d@e.f>").expect("250");
            busy.line("DATA").expect("354");
            busy.send("x\r\n.\r\n").expect("250 2.0.0");
            busy.expect("421 4.3.2");
            stopped.get(5, TimeUnit.SECONDS);
        }
        assertThat(smtp.ingress.captured).hasSize(1);
    }

    @Test
    void shutdownClosesUnfinishedTransactionsAfterTheGrace() throws Exception {
        try (SmtpTestClient busy = smtp.ehloClient()) {
            busy.line("MAIL FROM:<a@b.c>").expect("250");
            CompletableFuture<Void> stopped = smtp.server.shutdown(Duration.ofMillis(200));
            busy.expect("421 4.3.2");
            stopped.get(5, TimeUnit.SECONDS);
            assertThat(busy.closedByServer()).isTrue();
        }
    }

    private void awaitOpenConnections(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (smtp.server.openConnections() != expected && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10); // bounded polling for an asynchronous close
        }
        assertThat(smtp.server.openConnections()).isEqualTo(expected);
    }
}
