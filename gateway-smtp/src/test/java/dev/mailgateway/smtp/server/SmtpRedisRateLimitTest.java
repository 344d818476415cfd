package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.testkit.RedisServerExtension;
import dev.mailgateway.testkit.SmtpTestClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rate limits shared in a real redis-server, through the SMTP server on a real socket: the
 * MAIL FROM reply waits for Redis (off the event loop) and replies stay in order.
 */
class SmtpRedisRateLimitTest {

    @RegisterExtension
    static final RedisServerExtension redisServer = new RedisServerExtension();

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withDefaults();

    private void redisLimits(String onError, String prefix) throws Exception {
        smtp.restart("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false},
                 "rateLimits": {"enabled": true, "maxPerHour": 2,
                                "redis": {"uri": "%s", "keyPrefix": "%s", "timeoutMs": 300, "onError": "%s"}}}"""
                .formatted(redisServer.server().uri(), prefix, onError));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!smtp.server.healthCheck().problems().isEmpty()) {
            assertThat(System.nanoTime()).as("connected to Redis").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void message(SmtpTestClient c) throws Exception {
        c.line("MAIL FROM:<app@example.com>").expect("250 2.1.0");
        c.line("RCPT TO:<u@example.org>").expect("250 2.1.5");
        c.line("DATA").expect("354");
        c.send("Subject: t\r\n\r\nhi\r\n.\r\n").expect("250 2.0.0");
    }

    @Test
    void theLimitIsCountedInRedisAndAnswered451WithTheRetryTime_spec4() throws Exception {
        redisLimits("reject", "smtp1:");
        try (SmtpTestClient c = smtp.ehloClient()) {
            message(c);
            message(c);
            String over = c.line("MAIL FROM:<APP@example.com>").reply();
            assertThat(over).matches("451 4\\.7\\.1 Rate limit exceeded \\(maxPerHour 2\\), try again in \\d+ seconds\r?\n?");
            assertThat(smtp.metrics.rateLimited.getCount()).isEqualTo(1);
        }
        assertThat(redisServer.server().command("HVALS", "smtp1:s:app@example.com:h").toString()).isEqualTo("[2]");
    }

    @Test
    void pipelinedCommandsAfterMailFromAreAnsweredInOrder_rfc2920() throws Exception {
        redisLimits("reject", "smtp2:");
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<u@example.org>\r\nDATA\r\n");
            c.expect("250 2.1.0");
            c.expect("250 2.1.5");
            c.expect("354");
            c.send("x\r\n.\r\nRSET\r\nMAIL FROM:<a@example.com>\r\nRSET\r\nNOOP\r\n");
            c.expect("250 2.0.0 Ok: queued");
            c.expect("250 2.0.0");   // RSET
            c.expect("250 2.1.0");   // MAIL: the RSET before it gave nothing back, one slot left
            c.expect("250 2.0.0");   // RSET releases it
            c.expect("250 2.0.0");   // NOOP
        }
    }

    @Test
    void redisDownWithOnErrorRejectAnswers451AndHealthNamesRedis() throws Exception {
        redisLimits("reject", "smtp3:");
        redisServer.server().stop();
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(c.line("MAIL FROM:<a@example.com>").reply())
                    .startsWith("451 4.7.1 Rate limits cannot be checked now");
            assertThat(smtp.server.healthCheck().problems()).singleElement().asString().contains("Redis");
        } finally {
            redisServer.server().startAgain();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!smtp.server.healthCheck().problems().isEmpty()) {
            assertThat(System.nanoTime()).as("recovers by itself").isLessThan(deadline);
            Thread.sleep(50);
        }
        try (SmtpTestClient c = smtp.ehloClient()) {
            message(c);
        }
    }
}
