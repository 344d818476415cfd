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
 * Reply and log injection over a real socket: no client byte reaches a reply or a log line
 * unescaped (RFC 5321 4.2: a reply line is {@code code [SP text] CRLF}, text is printable
 * ASCII; a bare CR or LF in it would let the client forge the next reply line).
 */
class SmtpReplyInjectionTest {

    @RegisterExtension
    final SmtpServerExtension smtp = SmtpServerExtension.withConfig("""
            {"smtpHost": "127.0.0.1", "smtpPort": 0,
             "smtp": {"hostname": "mx.test", "authFailureDelayMs": 1},
             "defaultUsername": "app", "defaultPassword": "secret",
             "security": {"requireAuth": false, "logAllEmails": true}}""");

    /** Sends {@code command} and returns the whole next reply (a forged line would show as a bare LF). */
    private static String answer(SmtpTestClient c, String command) throws Exception {
        c.send(command + "\r\n");
        String reply = c.reply();
        c.line("NOOP");
        assertThat(c.reply()).as("the reply after " + command).isEqualTo("250 2.0.0 Ok");
        return reply;
    }

    @Test
    void lfInUnknownMailParameterEndsTheCommandLine_rfc5321_4_1_1_11() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            // since #14 a bare LF ends a command line (docs/smtp.md): the text after it is a
            // command of its own, answered as one, and never reaches a reply as a line of its own
            c.send("MAIL FROM:<a@example.com> X\n250=1\r\n");
            assertThat(c.reply()).isEqualTo("555 5.5.4 Parameter X not recognized");
            assertThat(c.reply()).isEqualTo("500 5.5.1 Command unrecognized");
            c.line("NOOP");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void crAndNulInUnknownMailParameterAreEscaped() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(answer(c, "MAIL FROM:<a@example.com> X\r250-FAKE")).isEqualTo(
                    "555 5.5.4 Parameter X\\x0D250-FAKE not recognized");
            assertThat(answer(c, "MAIL FROM:<a@example.com> X\u0000Y\u001b[2J")).isEqualTo(
                    "555 5.5.4 Parameter X\\x00Y\\x1B[2J not recognized");
        }
    }

    @Test
    void nonAsciiInParameterIsEscapedPerUtf8OctetNotCutToOneByte() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            assertThat(answer(c, "MAIL FROM:<a@example.com> XÉ€=1")).isEqualTo(
                    "555 5.5.4 Parameter X\\xC3\\x89\\xE2\\x82\\xAC not recognized");
            // an invalid UTF-8 octet arrives as U+FFFD and is escaped as such
            c.send("MAIL FROM:<a@example.com> X".getBytes(StandardCharsets.US_ASCII));
            c.send(new byte[] {(byte) 0xff, '\r', '\n'});
            assertThat(c.reply()).isEqualTo("555 5.5.4 Parameter X\\xEF\\xBF\\xBD not recognized");
        }
    }

    @Test
    void lfInUnknownRcptParameterEndsTheCommandLine() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            c.line("MAIL FROM:<a@example.com>").expect("250 2.1.0");
            // a bare LF ends the command line (see the MAIL case above)
            c.send("RCPT TO:<b@example.com> X\n250\r\n");
            assertThat(c.reply()).isEqualTo("555 5.5.4 Parameter X not recognized");
            assertThat(c.reply()).isEqualTo("500 5.5.1 Command unrecognized");
            c.line("NOOP");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void echoedParameterIsBounded() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            String reply = answer(c, "MAIL FROM:<a@example.com> " + "Z".repeat(400));
            assertThat(reply).isEqualTo("555 5.5.4 Parameter " + "Z".repeat(64) + "... not recognized");
        }
    }

    @Test
    void controlCharacterInAddressIsNamedEscaped() throws Exception {
        try (SmtpTestClient c = smtp.ehloClient()) {
            String reply = answer(c, "MAIL FROM:<a\u0000b@example.com>");
            assertThat(reply).startsWith("501 5.1.7 ").contains("\\x00").doesNotContain("\u0000");
        }
    }

    @Test
    void userNameInAuthFailureLogLineIsEscaped() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(SmtpAuthCommand.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (SmtpTestClient c = smtp.ehloClient()) {
            String user = "evil\r\n2026-12-01 INFO forged line\u001b[0m";
            String ir = Base64.getEncoder().encodeToString(("\0" + user + "\0wrong").getBytes(StandardCharsets.UTF_8));
            c.line("AUTH PLAIN " + ir).expect("535 5.7.8");
        } finally {
            logger.detachAppender(appender);
        }
        List<String> lines;
        synchronized (appender) {
            lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
        assertThat(lines).anySatisfy(l -> assertThat(l)
                .contains("authentication failed for user evil\\x0D\\x0A2026-12-01 INFO forged line\\x1B[0m"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\n", "\r", "\u001b"));
    }
}
