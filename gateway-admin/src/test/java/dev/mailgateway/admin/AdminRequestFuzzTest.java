package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.testkit.TrackingAllocator;
import dev.mailgateway.testkit.InMemorySpool;
import dev.mailgateway.testkit.LoopbackChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing (Jazzer) of the admin request path: the real pipeline
 * ({@link AdminInitializer}: HTTP codec, idle handler, aggregator, {@link AdminHandler} with the
 * router and token check) on an {@link EmbeddedChannel} from a loopback peer, the byte stream cut
 * into reads at fuzzer-chosen points. Seeds:
 * {@code src/test/resources/dev/mailgateway/admin/AdminRequestFuzzTestInputs/}; docs/testing.md.
 * (The SMTP PROXY-protocol header path does not exist yet; its fuzz target belongs with it, #16.)
 *
 * <p>Invariants: no exception reaches the pipeline's end; every answer is a well-formed HTTP/1.x
 * response (status line, printable headers, a body of exactly Content-Length octets), never a
 * 500; no buffer is leaked; no log line of the admin loggers carries a control character.
 */
class AdminRequestFuzzTest {

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] ([1-5][0-9][0-9]) [\\x20-\\x7e]*");
    private static final GatewayConfig CONFIG = ConfigLoader.fromJson(
            "{\"admin\": {\"token\": \"fuzz-token\", \"maxTokenFailures\": 5, \"tokenLockoutSec\": 60}}");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    private static ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void captureLogs() {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.mailgateway.admin")).addAppender(logs);
    }

    @AfterAll
    static void stopCapturing() {
        ((Logger) LoggerFactory.getLogger("dev.mailgateway.admin")).detachAppender(logs);
    }

    /** The in-memory store, answered at once (its own thread would make the run depend on timing). */
    private static final class SyncFailedStore implements FailedStore {
        private final InMemoryFailedStore store = new InMemoryFailedStore();

        private static <T> CompletableFuture<T> now(CompletableFuture<T> f) {
            return CompletableFuture.completedFuture(f.join());
        }

        @Override
        public CompletableFuture<Void> store(FailedMessage message) {
            return now(store.store(message));
        }

        @Override
        public CompletableFuture<List<FailedMessage>> list() {
            return now(store.list());
        }

        @Override
        public CompletableFuture<Optional<FailedMessage>> get(QueueId id) {
            return now(store.get(id));
        }

        @Override
        public CompletableFuture<Boolean> delete(QueueId id) {
            return now(store.delete(id));
        }

        @Override
        public CompletableFuture<Boolean> retry(QueueId id) {
            return now(store.retry(id));
        }

        @Override
        public CompletableFuture<List<QueueId>> ids() {
            return now(store.ids());
        }

        CompletableFuture<Integer> retryAll() {
            return now(store.retryAll());
        }

        @Override
        public int count() {
            return store.count();
        }

        @Override
        public void close() {
            store.close();
        }
    }


    @FuzzTest(maxDuration = "3m")
    void requests(FuzzedDataProvider data) throws Exception {
        GatewayMetrics metrics = new GatewayMetrics();
        InMemorySpool spool = new InMemorySpool();
        SyncFailedStore failed = new SyncFailedStore();
        Dispatcher dispatcher = new Dispatcher(1, 4);
        AdminRouter router = new AdminRouter(
                new HealthEndpoint(metrics, spool, failed, List.of(), CLOCK),
                new MetricsEndpoint(metrics, spool, dispatcher, failed),
                new PrometheusEndpoint(metrics),
                new FailedEndpoint(failed, failed::retryAll),
                new QueueEndpoint(metrics, spool, dispatcher, failed, CLOCK));
        TrackingAllocator alloc = new TrackingAllocator();
        LoopbackChannel ch = new LoopbackChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new AdminInitializer(router, new AdminAccess(CONFIG, metrics),
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE)));
        ch.register();
        List<ByteBuf> inputs = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        try {
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                byte[] chunk = data.consumeBytes(data.consumeInt(1, 2000));
                if (chunk.length == 0) {
                    break;
                }
                ByteBuf in = Unpooled.wrappedBuffer(chunk);
                inputs.add(in);
                ch.writeInbound(in);
                ch.runPendingTasks();
                drain(ch, out);
                ch.checkException();
            }
            ch.finish();
            drain(ch, out);
        } finally {
            ch.finishAndReleaseAll();
            failed.close();
        }
        checkResponses(out.toString());
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("an input buffer was not released").isZero();
        }
        alloc.assertAllReleased();
        List<String> lines;
        synchronized (logs) {
            lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            logs.list.clear();
        }
        assertThat(lines).allSatisfy(l -> assertThat(l.chars()).noneMatch(c -> c < 0x20 || c == 0x7f));
    }

    private static void drain(EmbeddedChannel ch, StringBuilder out) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
    }

    /** RFC 9112: status line, header fields, CRLF, then exactly Content-Length octets of body (none after HEAD). */
    private static void checkResponses(String all) {
        int i = 0;
        while (i < all.length()) {
            int headEnd = all.indexOf("\r\n\r\n", i);
            assertThat(headEnd).as("response head without its end: %s", all.substring(i)).isPositive();
            String[] head = all.substring(i, headEnd).split("\r\n", -1);
            Matcher status = STATUS.matcher(head[0]);
            assertThat(status.matches()).as("status line: %s", head[0]).isTrue();
            assertThat(status.group(1)).as("an internal error").isNotEqualTo("500");
            int length = -1;
            for (int h = 1; h < head.length; h++) {
                assertThat(head[h]).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+: [\\x20-\\x7e]*");
                if (head[h].regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(head[h].substring(15).trim());
                }
            }
            assertThat(length).as("Content-Length").isNotNegative();
            // the answer to HEAD has the length but no body; our bodies (JSON, Prometheus text) never
            // start like a status line, so that is how the two are told apart
            boolean headAnswer = all.startsWith("HTTP/1.", headEnd + 4) || headEnd + 4 == all.length();
            i = headEnd + 4 + (headAnswer ? 0 : length);
            assertThat(i).as("body shorter than Content-Length").isLessThanOrEqualTo(all.length());
        }
    }
}
