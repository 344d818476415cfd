package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgateway.testkit.SmtpTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Over a real socket: each SMTP-side reloadable setting ({@code ReloadableSettings}) changes
 * behaviour after a reload ({@code LiveConfig.replace}, what SIGHUP and POST /admin/reload end
 * in), and a setting that is not reloadable keeps its start value.
 */
class SmtpReloadTest {

    private static final String CONFIG = """
            {"smtpHost": "127.0.0.1", "smtpPort": 0,
             "smtp": {"hostname": "mx.test", "authFailureDelayMs": 50},
             "security": {"requireAuth": false, "logAllEmails": %s},
             "defaultUsername": "app", "defaultPassword": "%s",
             "rateLimits": {"enabled": true, "maxPerHour": %d, "maxPerDay": 100}}""";

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withConfig(config(true, "old", 100));

    private static String config(boolean logAll, String password, int maxPerHour) {
        return CONFIG.formatted(logAll, password, maxPerHour);
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(SmtpTestClient c, String from) throws Exception {
        c.line("MAIL FROM:<" + from + ">").expect("250");
        c.line("RCPT TO:<d@e.f>").expect("250");
        c.line("DATA").expect("354");
        c.send("x\r\n.\r\n").expect("250");
    }

    @Test
    void defaultPasswordReloadAppliesToTheNextAuth() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + plain("app", "old")).expect("235 2.7.0");
        }
        smtp.reload(config(true, "new", 100));
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("AUTH PLAIN " + plain("app", "old")).expect("535 5.7.8");
            c.line("AUTH PLAIN " + plain("app", "new")).expect("235 2.7.0");
        }
    }

    @Test
    void rateLimitReloadRefusesTheNextMailOverTheNewLimit() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            send(c, "s@b.c");
            smtp.reload(config(true, "old", 1)); // the one message already sent uses the new hour's quota
            c.line("MAIL FROM:<s@b.c>").expect("451 4.7.1 Rate limit exceeded (maxPerHour 1)");
            smtp.reload(config(true, "old", 100));
            c.line("MAIL FROM:<s@b.c>").expect("250");
        }
    }

    @Test
    void requireAngleBracketsReloadAppliesToTheNextCommand() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:a@b.c").expect("250");
            c.line("RSET").expect("250");
            smtp.reload(config(true, "old", 100).replace("\"authFailureDelayMs\": 50",
                    "\"authFailureDelayMs\": 50, \"requireAngleBrackets\": true"));
            assertThat(c.line("MAIL FROM:a@b.c").expect("501 5.1.7")).contains("angle brackets");
        }
    }

    @Test
    void logAllEmailsReloadChangesTheQueuedLine() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(SmtpServerHandler.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (SmtpTestClient c = smtp.ehloClient()) {
            send(c, "john.doe@Example.COM");
            smtp.reload(config(false, "old", 100));
            send(c, "john.doe@Example.COM");
        } finally {
            logger.detachAppender(appender);
        }
        List<String> queued;
        synchronized (appender) {
            queued = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains(" queued id=")).toList();
        }
        assertThat(queued).hasSize(2);
        assertThat(queued.get(0)).contains("from=john.doe@Example.COM ");
        assertThat(queued.get(1)).contains("from=j***@example.com ");
    }

    @Test
    void traceLinesMaskAddressesLikeTheQueuedLineWhenLogAllEmailsIsOff() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(SmtpServerHandler.class);
        ch.qos.logback.classic.Level level = logger.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(ch.qos.logback.classic.Level.TRACE);
        try (SmtpTestClient c = smtp.ehloClient()) {
            smtp.reload(config(false, "old", 100));
            c.line("MAIL FROM:<John.Doe@Example.COM> SIZE=10").expect("250");
            c.line("RCPT TO:<rcpt@e.f> ORCPT=rfc822;rcpt@e.f").expect("250");
            c.line("RCPT TO:<bad").expect("501");
        } finally {
            logger.setLevel(level);
            logger.detachAppender(appender);
        }
        List<String> trace;
        synchronized (appender) {
            trace = appender.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.TRACE)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
        assertThat(trace).anySatisfy(l -> assertThat(l).endsWith(" C: EHLO client.test"));
        assertThat(trace).anySatisfy(l -> assertThat(l).endsWith(
                " C: MAIL FROM:<J***@example.com> (parameters not shown)"));
        assertThat(trace).anySatisfy(l -> assertThat(l).endsWith(" C: RCPT TO:<r***@e.f> (parameters not shown)"));
        assertThat(trace).anySatisfy(l -> assertThat(l).endsWith(" C: RCPT (not shown: security.logAllEmails is false)"));
        assertThat(trace).allSatisfy(l -> assertThat(l).doesNotContainIgnoringCase("john.doe").doesNotContain("rcpt@"));
    }

    @Test
    void restartOnlySettingsKeepTheirStartValue() throws Exception {
        // security.requireAuth and smtp.maxLineLength are read at start: a reload does not change them
        smtp.reload(config(true, "old", 100).replace("\"requireAuth\": false", "\"requireAuth\": true")
                .replace("\"authFailureDelayMs\": 50", "\"authFailureDelayMs\": 50, \"maxLineLength\": 2000"));
        assertThat(smtp.live.current().security().requireAuth()).isFalse();
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<s@b.c>").expect("250");
            c.line("RCPT TO:<" + "d".repeat(600) + "@e.f>").expect("500 5.5.2");
        }
    }
}
