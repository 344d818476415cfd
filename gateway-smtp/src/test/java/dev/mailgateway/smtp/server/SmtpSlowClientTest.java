package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.SmtpTestClient;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow clients (slowloris) over real sockets: limits.commandDeadlineSec bounds one command line
 * from its first byte, limits.dataDeadlineSec the whole DATA transfer; expiry is 421 4.4.2
 * (RFC 3463 X.4.2, "bad connection") and close. Deadlines here are 1 s and 2 s; the idle timeout
 * (300 s) never fires, because the client is never silent for long. The DATA deadline's expiry
 * is tested in virtual time in {@link SmtpDeadlinesTest}.
 */
class SmtpSlowClientTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withConfig("""
            {"smtpHost": "127.0.0.1", "smtpPort": 0,
             "smtp": {"hostname": "mx.test"},
             "limits": {"commandDeadlineSec": 1, "dataDeadlineSec": 2, "idleTimeoutSec": 300},
             "security": {"requireAuth": false}}""");

    /** Sends {@code text} one byte per {@code gapMs} until the server answers; at most 10 s. */
    private static long trickle(SmtpTestClient c, String text, long gapMs) throws Exception {
        InputStream peek = c.socket().getInputStream();
        long start = System.nanoTime();
        int sent = 0;
        while (sent < text.length() && System.nanoTime() - start < 10_000_000_000L) {
            if (peek.available() > 0) {
                break;
            }
            try {
                c.send(text.substring(sent, sent + 1));
            } catch (java.io.IOException closed) {
                break;
            }
            sent++;
            Thread.sleep(gapMs);
        }
        return sent;
    }

    @Test
    void commandLineTrickledByteByByteIsClosedAtTheDeadline() throws Exception {
        try (SmtpTestClient c = smtp.client()) {
            c.expect("220 mx.test");
            // a slow but complete line inside the deadline is fine
            trickle(c, "NOOP\r\n", 100);
            c.expect("250 2.0.0 Ok");
            long t0 = System.nanoTime();
            long sent = trickle(c, "EHLO " + "x".repeat(200) + "\r\n", 100);
            assertThat(c.reply()).isEqualTo("421 4.4.2 Command line not received in time, closing connection");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(c.closedByServer()).isTrue();
            assertThat(sent).isLessThan(200); // the line never completed
            assertThat(ms).isGreaterThanOrEqualTo(900);
        }
        assertThat(smtp.metrics.deadlinesExpired.getCount()).isEqualTo(1);
    }

    @Test
    void waitingForTheSpoolDoesNotCountAgainstThePipelinedNextLine() throws Exception {
        smtp.ingress.hold = true;
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nhi\r\n.\r\nNOO");
            c.expect("250 2.1.0");
            c.expect("250 2.1.5");
            c.expect("354");
            Thread.sleep(1500); // longer than the command deadline: the wait is the server's
            smtp.ingress.releaseOne(true);
            c.expect("250 2.0.0 Ok: queued");
            c.send("P\r\n");
            c.expect("250 2.0.0 Ok");
            c.line("QUIT").expect("221");
        }
        assertThat(smtp.metrics.deadlinesExpired.getCount()).isZero();
    }

    @Test
    void clientThatNeverReadsIsClosedEvenThoughItsGoodbyeCannotLeave() throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "limits": {"idleTimeoutSec": 1, "commandDeadlineSec": 600},
                 "security": {"requireAuth": false}}""");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(smtp.address, 5000);
            byte[] block = "NOOP\r\n".repeat(10_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            s.setSoTimeout(5000);
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 400; i++) {
                        s.getOutputStream().write(block); // blocks once the server stops reading
                    }
                } catch (java.io.IOException closed) {
                    // closed by the server (or by the test)
                }
            });
            writer.setDaemon(true);
            writer.start();
            // never reads: reading is stopped (congested), so the idle timeout fires, and its 421 cannot
            // leave either; the connection must still be closed (idle 1 s + 5 s grace), not held for ever
            long until = System.nanoTime() + 20_000_000_000L;
            Thread.sleep(500);
            while (smtp.server.openConnections() > 0 && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(smtp.server.openConnections()).isZero();
        }
    }

    @Test
    void quickClientsAreNotAffected() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            for (int i = 0; i < 3; i++) {
                c.line("MAIL FROM:<a@b.c>").expect("250");
                c.line("RCPT TO:<d@e.f>").expect("250");
                c.line("DATA").expect("354");
                c.send("Subject: " + i + "\r\n\r\nbody\r\n.\r\n").expect("250 2.0.0 Ok: queued");
                Thread.sleep(700); // idle between transactions: silence is the idle timeout's business
            }
            c.line("QUIT").expect("221");
        }
        assertThat(smtp.metrics.deadlinesExpired.getCount()).isZero();
    }
}
