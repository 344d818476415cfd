package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFailedStoreTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Path failedDir() {
        return dir.resolve("failed");
    }

    private FileFailedStore store(MessageIngress ingress) {
        FileFailedStore s = new FileFailedStore(failedDir(), ingress, metrics);
        toClose.add(s);
        return s;
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private FailedMessage failed(QueueId id, byte[] content) {
        return new FailedMessage(id, "sender@example.com", List.of("bad@example.com", "gone@example.com"),
                Instant.parse("2026-11-30T10:00:00Z"), 5, Instant.parse("2026-11-30T10:30:00Z"),
                "550 5.1.1 <bad@example.com>: user unknown", content, true, false);
    }

    /** An ingress whose accept futures the test completes by hand. */
    private static final class ManualIngress implements MessageIngress {
        final ConcurrentLinkedQueue<CompletableFuture<QueueId>> pending = new ConcurrentLinkedQueue<>();
        final List<Envelope> envelopes = new ArrayList<>();
        final List<byte[]> contents = new ArrayList<>();
        volatile Admission admission = Admission.OK;

        @Override
        public Admission admission() {
            return admission;
        }

        @Override
        public synchronized CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            envelopes.add(envelope);
            contents.add(content);
            CompletableFuture<QueueId> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }
    }

    @Test
    void writesOneJsonFilePerMessageWithTheDocumentedFields() throws Exception {
        FileFailedStore store = store(new ManualIngress());
        QueueId id = ids.next();
        byte[] content = "Subject: caf\u00e9\r\n\r\nh\u00e9llo \u2603\r\n".getBytes(UTF_8);

        join(store.store(failed(id, content)));

        Path file = failedDir().resolve(id + ".json");
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("id").asText()).isEqualTo(id.value());
        assertThat(json.get("from").asText()).isEqualTo("sender@example.com");
        assertThat(json.get("to")).extracting(JsonNode::asText).containsExactly("bad@example.com", "gone@example.com");
        assertThat(json.get("receivedAt").asText()).isEqualTo("2026-11-30T10:00:00Z");
        assertThat(json.get("attempts").asInt()).isEqualTo(5);
        assertThat(json.get("lastAttemptAt").asText()).isEqualTo("2026-11-30T10:30:00Z");
        assertThat(json.get("lastError").asText()).startsWith("550 5.1.1");
        assertThat(json.get("smtpUtf8").asBoolean()).isTrue();
        assertThat(json.get("eightBit").asBoolean()).isFalse();
        assertThat(json.get("content").asText()).isEqualTo(new String(content, UTF_8));
        assertThat(json.has("contentBase64")).isFalse();
        try (Stream<Path> files = Files.list(failedDir())) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(id + ".json"); // no temp file left
        }
        assertThat(store.count()).isEqualTo(1);
        assertThat(metrics.gaugeValue(SpoolMetrics.FAILED_STORED)).isEqualTo(1);
        assertThat(join(store.get(id))).get().satisfies(m -> assertThat(m.content()).isEqualTo(content));
        assertThat(join(store.list())).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(id);
            assertThat(m.content()).isNull(); // listings carry no content
        });
    }

    @Test
    void contentThatIsNotValidUtf8IsStoredAsBase64AndReadBackByteExact() throws Exception {
        FileFailedStore store = store(new ManualIngress());
        QueueId id = ids.next();
        byte[] content = {'S', 'u', 'b', ':', ' ', (byte) 0xE9, '\r', '\n', '\r', '\n', (byte) 0xFF, (byte) 0xC0, 0x00, '\r', '\n'};

        join(store.store(failed(id, content)));

        JsonNode json = new ObjectMapper().readTree(failedDir().resolve(id + ".json").toFile());
        assertThat(json.has("content")).isFalse();
        assertThat(json.get("contentBase64").asText()).isEqualTo(java.util.Base64.getEncoder().encodeToString(content));
        assertThat(join(store.get(id)).orElseThrow().content()).isEqualTo(content);
    }

    @Test
    void resendKeepsTheIdAndRemovesTheFileOnlyOnceSpooled() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId id = ids.next();
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(UTF_8);
        join(store.store(failed(id, content)));

        CompletableFuture<Boolean> retried = store.retry(id);
        assertThat(await(() -> !ingress.pending.isEmpty(), 5000)).isTrue();
        Path file = failedDir().resolve(id + ".json");
        assertThat(file).exists(); // not spooled yet: the file stays
        assertThat(retried).isNotDone();

        assertThat(join(store.retry(id))).as("a second re-send while the first is under way").isFalse();
        assertThat(ingress.envelopes).hasSize(1);
        ingress.pending.poll().complete(id);

        assertThat(join(retried)).isTrue();
        assertThat(file).doesNotExist();
        assertThat(store.count()).isZero();
        Envelope sent = ingress.envelopes.get(0);
        assertThat(sent.id()).isEqualTo(id);
        assertThat(sent.recipients()).containsExactly("bad@example.com", "gone@example.com");
        assertThat(sent.sender()).isEqualTo("sender@example.com");
        assertThat(sent.smtpUtf8()).isTrue();
        assertThat(ingress.contents.get(0)).isEqualTo(content);
        assertThat(join(store.retry(id))).isFalse(); // no such file any more
    }

    /** Issue #14 point 7: the RFC 3461 parameters survive the failed store, so a re-send passes them on. */
    @Test
    void dsnParametersAreKeptInTheFileAndTravelWithTheResend_rfc3461() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId id = ids.next();
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(UTF_8);
        dev.mailgateway.core.model.Dsn dsn = new dev.mailgateway.core.model.Dsn("HDRS", "QQ314159+2Bx",
                List.of("SUCCESS,FAILURE", ""), List.of("rfc822;bad@example.com", ""));
        FailedMessage plain = failed(id, content);
        join(store.store(new FailedMessage(plain.id(), plain.from(), plain.to(), plain.receivedAt(), plain.attempts(),
                plain.lastAttemptAt(), plain.lastError(), content, plain.smtpUtf8(), plain.eightBit(), dsn)));

        JsonNode json = new ObjectMapper().readTree(failedDir().resolve(id + ".json").toFile());
        assertThat(json.get("dsn").get("ret").asText()).isEqualTo("HDRS");
        assertThat(json.get("dsn").get("notify")).extracting(JsonNode::asText).containsExactly("SUCCESS,FAILURE", "");
        assertThat(join(store.get(id)).orElseThrow().dsn()).isEqualTo(dsn);

        CompletableFuture<Boolean> retried = store.retry(id);
        assertThat(await(() -> !ingress.pending.isEmpty(), 5000)).isTrue();
        ingress.pending.poll().complete(id);
        assertThat(join(retried)).isTrue();
        assertThat(ingress.envelopes.get(0).dsn()).isEqualTo(dsn);
    }

    @Test
    void aFileWithoutDsnReadsAsNoDsn() throws Exception {
        FileFailedStore store = store(new ManualIngress());
        QueueId id = ids.next();
        join(store.store(failed(id, "a\r\n".getBytes(UTF_8))));

        assertThat(new ObjectMapper().readTree(failedDir().resolve(id + ".json").toFile()).has("dsn")).isFalse();
        assertThat(join(store.get(id)).orElseThrow().dsn()).isEqualTo(dev.mailgateway.core.model.Dsn.NONE);
    }

    @Test
    void aResendTheSpoolRefusesKeepsTheFile() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId id = ids.next();
        join(store.store(failed(id, "a\r\n".getBytes(UTF_8))));

        CompletableFuture<Boolean> retried = store.retry(id);
        assertThat(await(() -> !ingress.pending.isEmpty(), 5000)).isTrue();
        ingress.pending.poll().completeExceptionally(new java.io.IOException("disk full"));

        assertThatThrownBy(() -> join(retried)).hasRootCauseMessage("disk full");
        assertThat(failedDir().resolve(id + ".json")).exists();
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void aNewerFailureStoredDuringAResendIsNotDeleted() throws Exception {
        ManualIngress ingress = new ManualIngress();
        FileFailedStore store = store(ingress);
        QueueId id = ids.next();
        join(store.store(failed(id, "first\r\n".getBytes(UTF_8))));
        CompletableFuture<Boolean> retried = store.retry(id);
        assertThat(await(() -> !ingress.pending.isEmpty(), 5000)).isTrue();

        join(store.store(failed(id, "second\r\n".getBytes(UTF_8)))); // failed again meanwhile
        ingress.pending.poll().complete(id);

        assertThat(join(retried)).isTrue();
        assertThat(join(store.get(id)).orElseThrow().content()).isEqualTo("second\r\n".getBytes(UTF_8));
    }

    @Test
    void idsListEveryStoredMessageOldestFirstIncludingFilesAddedByHand() throws Exception {
        FileFailedStore store = store(new ManualIngress());
        QueueId first = ids.next();
        QueueId second = ids.next();
        QueueId third = ids.next();
        join(store.store(failed(third, "c\r\n".getBytes(UTF_8))));
        join(store.store(failed(first, "a\r\n".getBytes(UTF_8))));
        Files.copy(failedDir().resolve(first + ".json"), failedDir().resolve(second + ".json")); // an operator's copy

        assertThat(join(store.ids())).containsExactly(first, second, third);
    }

    @Test
    void aFileThatDoesNotParseIsMovedToCorruptWithAWarn() throws Exception {
        Files.createDirectories(failedDir());
        QueueId garbled = ids.next();
        QueueId missingField = ids.next();
        Files.writeString(failedDir().resolve(garbled + ".json"), "{\"id\": \"" + garbled + "\", \"from\": ");
        Files.writeString(failedDir().resolve(missingField + ".json"),
                "{\"id\": \"" + missingField + "\", \"from\": \"a@example.com\", \"content\": \"x\"}");
        Files.writeString(failedDir().resolve("../../etc-passwd.json".replace("../", "x")), "{}");
        ListAppender<ILoggingEvent> logs = SpoolTestSupport.captureLogs(FileFailedStore.class);
        try {
            FileFailedStore store = store(new ManualIngress());
            assertThat(store.count()).isEqualTo(2); // the badly named file was moved at start

            assertThat(join(store.list())).isEmpty();

            assertThat(store.count()).isZero();
            assertThat(failedDir().resolve("corrupt").resolve(garbled + ".json")).exists();
            assertThat(failedDir().resolve("corrupt").resolve(missingField + ".json")).exists();
            assertThat(failedDir().resolve("corrupt").resolve("xxetc-passwd.json")).exists();
            assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(3);
            assertThat(join(store.retry(garbled))).isFalse();
        } finally {
            SpoolTestSupport.detach(FileFailedStore.class, logs);
        }
    }

    @Test
    void countIsRebuiltFromTheDirectoryAndDeleteRemovesOne() throws Exception {
        FileFailedStore first = store(new ManualIngress());
        QueueId a = ids.next();
        QueueId b = ids.next();
        join(first.store(failed(a, "a\r\n".getBytes(UTF_8))));
        join(first.store(failed(b, "b\r\n".getBytes(UTF_8))));
        first.close();

        FileFailedStore second = store(new ManualIngress());
        assertThat(second.count()).isEqualTo(2);
        assertThat(join(second.delete(a))).isTrue();
        assertThat(join(second.delete(a))).isFalse();
        assertThat(second.count()).isEqualTo(1);
        assertThat(join(second.get(a))).isEmpty();
        assertThat(join(second.list())).extracting(FailedMessage::id).containsExactly(b);
    }
}
