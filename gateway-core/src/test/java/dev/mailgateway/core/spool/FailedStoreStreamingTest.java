package dev.mailgateway.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failed store writes a large message's content streamed from the spool, still whole in the JSON. */
class FailedStoreStreamingTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private FileSpool spool;
    private FileFailedStore store;

    @BeforeEach
    void open() {
        spool = new FileSpool(dir.resolve("spool"), new SpoolConfig(true, 0), new GatewayMetrics());
        spool.recover();
        store = new FileFailedStore(dir.resolve("failed"), new MessageIngress() {
            @Override
            public Admission admission() {
                return Admission.OK;
            }

            @Override
            public CompletableFuture<QueueId> accept(dev.mailgateway.core.model.Envelope e, byte[] c) {
                return CompletableFuture.failedFuture(new IllegalStateException("not in this test"));
            }
        }, new GatewayMetrics());
    }

    @AfterEach
    void close() {
        store.close();
        spool.close();
    }

    private JsonNode storeStreamed(byte[] content) throws Exception {
        QueueId id = ids.next();
        spool.append(SpoolTestSupport.envelope(id, "bad@example.org"), content).get(10, TimeUnit.SECONDS);
        MessageContent streamed = MessageContent.load(spool, id).get(10, TimeUnit.SECONDS);
        assertThat(streamed.inMemory()).isFalse();
        FailedMessage fm = new FailedMessage(id, "app@example.com", List.of("bad@example.org"), Instant.now(), 3,
                Instant.now(), "550 5.1.1 unknown", null, false, false);
        store.store(fm, streamed).get(20, TimeUnit.SECONDS);
        JsonNode json = JsonMapper.builder().build().readTree(Files.readAllBytes(dir.resolve("failed").resolve(id + ".json")));
        // and the store reads it back whole
        assertThat(store.get(id).get(10, TimeUnit.SECONDS).orElseThrow().content()).isEqualTo(content);
        return json;
    }

    @Test
    void utf8ContentIsStreamedAsTextEvenWithMultiByteCharactersAcrossChunkBoundaries() throws Exception {
        StringBuilder sb = new StringBuilder("Subject: gr\u00fc\u00dfe\r\n\r\n");
        while (sb.length() < 1_000_000) {
            sb.append("\u00e9\u65e5\u672c\ud83d\ude00 text line\r\n"); // 2-, 3- and 4-byte sequences
        }
        byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);
        JsonNode json = storeStreamed(content);
        assertThat(json.get("content").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(content);
        assertThat(json.has("contentBase64")).isFalse();
    }

    @Test
    void binaryContentIsStreamedAsBase64() throws Exception {
        byte[] content = new byte[900_000];
        new Random(12).nextBytes(content);
        JsonNode json = storeStreamed(content);
        assertThat(Base64.getDecoder().decode(json.get("contentBase64").asText())).isEqualTo(content);
        assertThat(json.has("content")).isFalse();
    }
}
