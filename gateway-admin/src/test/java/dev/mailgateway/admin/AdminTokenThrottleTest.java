package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgateway.testkit.RawHttp;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token guessing on /admin/* over real sockets: after admin.maxTokenFailures failures
 * from one address, that address gets 429 with Retry-After (RFC 6585 section 4, RFC 9110
 * 10.2.3) for admin.tokenLockoutSec, whatever token it sends; other addresses are unaffected;
 * the failures are logged a line per interval, not a line each.
 */
class AdminTokenThrottleTest {

    private AdminTestServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private static String get(String path, String token) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
    }

    private RawHttp.Response once(String from, String path, String token) throws Exception {
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName(from))) {
            raw.send(get(path, token));
            return raw.read();
        }
    }

    @Test
    void addressIsLockedOutAfterTooManyWrongTokensThen429WithRetryAfter_rfc6585_4() throws Exception {
        admin = new AdminTestServer("""
                {"admin": {"token": "s3cret", "maxTokenFailures": 3, "tokenFailureWindowSec": 60,
                           "tokenLockoutSec": 2}}""", List.of());
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName("127.0.0.1"))) {
            for (int i = 0; i < 3; i++) {
                raw.send(get("/admin/queue", "guess-" + i));
                assertThat(raw.read().status()).isEqualTo(401);
            }
            raw.send(get("/admin/queue", "s3cret")); // even the right token: guessing must not go on
            RawHttp.Response locked = raw.read();
            assertThat(locked.status()).isEqualTo(429);
            assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 2L);
            assertThat(locked.body()).contains("too many");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(once("127.0.0.1", "/admin/queue", null).status()).isEqualTo(429);
        assertThat(once("127.0.0.1", "/health", null).status()).isEqualTo(200); // not token-protected
        assertThat(once("127.0.0.2", "/admin/queue", "s3cret").status()).isEqualTo(200); // per address
        assertThat(new AdminMetrics(admin.metrics).adminAuthFailures.getCount()).isEqualTo(3);
        assertThat(new AdminMetrics(admin.metrics).adminThrottled.getCount()).isEqualTo(2);

        // the lockout ends (bounded wait: lockout 2 s)
        int status = 429;
        for (int i = 0; i < 50 && status == 429; i++) {
            Thread.sleep(100);
            status = once("127.0.0.1", "/admin/queue", "s3cret").status();
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void failuresAreLoggedOncePerIntervalNotOnceEach() throws Exception {
        admin = new AdminTestServer("""
                {"admin": {"token": "s3cret", "maxTokenFailures": 20, "tokenFailureWindowSec": 60,
                           "tokenLockoutSec": 60}}""", List.of());
        Logger logger = (Logger) LoggerFactory.getLogger("dev.mailgateway.admin");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (RawHttp raw = new RawHttp(admin.address, InetAddress.getByName("127.0.0.2"))) {
            for (int i = 0; i < 40; i++) {
                raw.send(get("/admin/queue\u001b[2J", "guess-" + i));
                RawHttp.Response r = raw.read();
                if (r.status() == 429) {
                    break;
                }
                assertThat(r.status()).isIn(401, 400);
            }
        } finally {
            logger.detachAppender(appender);
        }
        List<String> lines;
        synchronized (appender) {
            lines = appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
        // one line for the first failure, one WARN for the lockout (with a summary before it)
        assertThat(lines).hasSizeBetween(2, 3);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("127.0.0.2 locked out of /admin/* for 60 s"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\u001b"));
        assertThat(new AdminMetrics(admin.metrics).adminAuthFailures.getCount()).isEqualTo(20);
    }
}
