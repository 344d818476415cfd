package dev.mailgateway.relay.worker;

import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.text.ClientText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-message outcome line, in the spirit of Postfix's mail log, on logger
 * {@code dev.mailgateway.relay.delivery} at INFO (WARN for failed):
 *
 * <pre>
 * 0J5K2M3N4P5Q6R7S: from=&lt;app@example.com&gt;, to=&lt;a@example.org&gt;,&lt;b@example.org&gt;, relay=smtp.example.com:587,
 *   delay=0.42s, attempt=1, status=sent (250 2.0.0 Ok: queued as 12345), subject="Welcome", message-id=&lt;x@y&gt;
 * </pre>
 *
 * One line per distinct (status, reply) of an attempt. With {@code security.logAllEmails} false,
 * addresses are masked like the SMTP session's lines ({@link LogAddress}: {@code j***@example.com}) and subject and message-id are left out.
 */
public final class OutcomeLog {

    private static final Logger log = LoggerFactory.getLogger("dev.mailgateway.relay.delivery");
    private static final int MAX_LISTED = 20;
    private static final int MAX_HEADER_SCAN = 64 * 1024;

    /** The two headers the line shows with {@code security.logAllEmails}; null when absent. */
    public record Headers(String subject, String messageId) {
    }

    /** Recipients are grouped by what happened to them: one line per distinct outcome. */
    private record Outcome(DeliveryStatus status, String reply) {
    }

    private OutcomeLog() {
    }

    /** Logs the outcomes of one attempt. Loop thread; cheap when INFO is off. */
    public static void log(SpooledMessage message, byte[] content, int attempt, String relay,
                           List<RecipientOutcome> outcomes, boolean logAllEmails, Instant now) {
        if (!log.isInfoEnabled()) {
            return;
        }
        Map<Outcome, List<String>> groups = new LinkedHashMap<>();
        for (RecipientOutcome o : outcomes) {
            groups.computeIfAbsent(new Outcome(o.status(), o.reply()), k -> new ArrayList<>(2)).add(o.recipient());
        }
        Headers headers = logAllEmails ? headers(content) : null;
        Duration delay = Duration.between(message.envelope().receivedAt(), now);
        for (Map.Entry<Outcome, List<String>> g : groups.entrySet()) {
            DeliveryStatus status = g.getKey().status();
            String line = line(message, attempt, relay, delay, status, g.getKey().reply(), g.getValue(),
                    logAllEmails, headers);
            if (status == DeliveryStatus.FAILED) {
                log.warn(line);
            } else {
                log.info(line);
            }
        }
    }

    static String line(SpooledMessage m, int attempt, String relay, Duration delay, DeliveryStatus status,
                       String reply, List<String> rcpts, boolean logAll, Headers headers) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(m.id()).append(": from=").append(LogAddress.bracketed(m.envelope().sender(), logAll)).append(", to=");
        int n = Math.min(rcpts.size(), MAX_LISTED);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(LogAddress.bracketed(rcpts.get(i), logAll));
        }
        if (rcpts.size() > n) {
            sb.append(" (+").append(rcpts.size() - n).append(" more)");
        }
        sb.append(", relay=").append(relay)
                .append(", delay=");
        appendSeconds(sb, delay.toMillis());
        sb.append('s')
                .append(", attempt=").append(attempt)
                .append(", status=").append(word(status))
                .append(" (").append(clean(reply)).append(')');
        if (headers != null) {
            sb.append(", subject=\"").append(headers.subject() == null ? "" : clean(headers.subject()).replace("\"", "\\\""))
                    .append("\", message-id=").append(headers.messageId() == null ? "" : clean(headers.messageId()));
        }
        return sb.toString();
    }

    /** Seconds with two decimals, without String.format on the hot path. */
    private static void appendSeconds(StringBuilder sb, long millis) {
        long centis = Math.max(0, millis) / 10;
        sb.append(centis / 100).append('.');
        long frac = centis % 100;
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }

    static String word(DeliveryStatus s) {
        return switch (s) {
            case DELIVERED -> "sent";
            case DEFERRED -> "deferred";
            case FAILED -> "failed";
        };
    }

    /** Subject and Message-ID from the header block (unfolded, RFC 5322 2.2.3); null when absent. */
    public static Headers headers(byte[] content) {
        String subject = null;
        String messageId = null;
        int end = Math.min(content.length, MAX_HEADER_SCAN);
        int lineStart = 0;
        String current = null; // header being unfolded
        StringBuilder value = null;
        while (lineStart < end) {
            int eol = lineStart;
            while (eol < end && content[eol] != '\n') {
                eol++;
            }
            int lineEnd = eol > lineStart && content[eol - 1] == '\r' ? eol - 1 : eol;
            if (lineEnd == lineStart) {
                break; // blank line: end of the header block
            }
            byte first = content[lineStart];
            if ((first == ' ' || first == '\t') && value != null) {
                value.append(' ').append(new String(content, lineStart, lineEnd - lineStart,
                        StandardCharsets.UTF_8).trim());
            } else {
                if (current != null) {
                    if (current.equals("subject") && subject == null) {
                        subject = value.toString();
                    } else if (current.equals("message-id") && messageId == null) {
                        messageId = value.toString();
                    }
                }
                current = null;
                value = null;
                // decode only the two headers we want: no String per header line
                if (startsWithIgnoreCase(content, lineStart, lineEnd, "subject:")) {
                    current = "subject";
                    value = new StringBuilder(new String(content, lineStart + 8, lineEnd - lineStart - 8,
                            StandardCharsets.UTF_8).trim());
                } else if (startsWithIgnoreCase(content, lineStart, lineEnd, "message-id:")) {
                    current = "message-id";
                    value = new StringBuilder(new String(content, lineStart + 11, lineEnd - lineStart - 11,
                            StandardCharsets.UTF_8).trim());
                }
            }
            lineStart = eol + 1;
        }
        if (current != null) {
            if (current.equals("subject") && subject == null) {
                subject = value.toString();
            } else if (current.equals("message-id") && messageId == null) {
                messageId = value.toString();
            }
        }
        return new Headers(subject, messageId);
    }

    private static boolean startsWithIgnoreCase(byte[] c, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) (c[from + i] & 0xff)) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** No line breaks, control characters or non-ASCII in a log line (log injection): {@code \xNN}, bounded. */
    private static String clean(String s) {
        return ClientText.escapeControls(s, ClientText.LOG_MAX);
    }
}
