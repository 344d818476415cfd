package dev.mailgateway.core.spool;

import static java.nio.charset.StandardCharsets.UTF_8;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/** Helpers for spool tests; public so other modules' tests can use them through the test-jar. */
public final class SpoolTestSupport {

    private SpoolTestSupport() {
    }

    public static Envelope envelope(QueueId id, String... recipients) {
        return new Envelope(id, "sender@example.com", List.of(recipients),
                Instant.now().truncatedTo(ChronoUnit.MILLIS), "client.example.com", "127.0.0.1",
                "", false, false);
    }

    /** A small CRLF message whose body names its id, so content can be checked after recovery. */
    public static byte[] content(QueueId id) {
        return ("Received: from client.example.com by gateway; id " + id + "\r\n"
                + "Subject: message " + id + "\r\n\r\nbody of " + id + "\r\n").getBytes(UTF_8);
    }

    /** A 1-16 MB pseudo-random content determined by the id (crash tests with large messages). */
    public static byte[] bigContent(QueueId id) {
        java.util.Random r = new java.util.Random(id.value().hashCode());
        byte[] b = new byte[(1 << 20) + r.nextInt(15 << 20)];
        r.nextBytes(b);
        return b;
    }

    /** Polls {@code condition} until true or {@code timeoutMs} passed; false on timeout. */
    public static boolean await(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5); // polling interval of a bounded wait, not synchronisation
        }
        return true;
    }

    /** Captures what {@code type}'s logger writes; detach with {@link #detach}. */
    public static ListAppender<ILoggingEvent> captureLogs(Class<?> type) {
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    public static void detach(Class<?> type, ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(type)).detachAppender(appender);
    }
}
