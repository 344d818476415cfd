package dev.mailgateway.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large failed message is re-sent streamed (#11): its {@code failed/<id>.json} is decoded
 * chunk by chunk into a spool upload, never read into the heap whole; the spool then holds the
 * message byte-exact under its original id.
 */
class FailedStoreResendStreamingTest {

    @TempDir
    Path dir;

    private final QueueIdGenerator ids = new QueueIdGenerator();
    private FileSpool spool;
    private FileFailedStore store;
    private final AtomicInteger whole = new AtomicInteger();
    private final AtomicInteger largestChunk = new AtomicInteger();
    private final AtomicInteger chunks = new AtomicInteger();

    @BeforeEach
    void open() {
        spool = new FileSpool(dir.resolve("spool"), new SpoolConfig(true, 0), new GatewayMetrics());
        spool.recover();
        SpoolingIngress real = new SpoolingIngress(spool, new Dispatcher(1, 10), new SpoolConfig(true, 0));
        // the real ingress, watched: how the content arrives
        store = new FileFailedStore(dir.resolve("failed"), new MessageIngress() {
            @Override
            public Admission admission() {
                return real.admission();
            }

            @Override
            public CompletableFuture<QueueId> accept(Envelope e, byte[] c) {
                whole.incrementAndGet();
                return real.accept(e, c);
            }

            @Override
            public Upload begin() {
                Upload u = real.begin();
                return new Upload() {
                    @Override
                    public CompletableFuture<Void> write(ByteBuf chunk) {
                        chunks.incrementAndGet();
                        largestChunk.accumulateAndGet(chunk.readableBytes(), Math::max);
                        return u.write(chunk);
                    }

                    @Override
                    public CompletableFuture<QueueId> commit(Envelope envelope) {
                        return u.commit(envelope);
                    }

                    @Override
                    public void abort() {
                        u.abort();
                    }
                };
            }
        }, new GatewayMetrics());
    }

    @AfterEach
    void close() {
        store.close();
        spool.close();
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    private QueueId storeAndResend(byte[] content) throws Exception {
        QueueId id = ids.next();
        join(store.store(new FailedMessage(id, "app@example.com", List.of("a@example.com", "b@example.com"),
                Instant.parse("2026-11-30T10:00:00Z"), 5, Instant.parse("2026-11-30T10:30:00Z"), "550 no", content,
                true, false)));
        assertThat(Files.size(dir.resolve("failed").resolve(id + ".json"))).isGreaterThan(FileFailedStore.STREAM_ABOVE);

        assertThat(join(store.retry(id))).isTrue();

        assertThat(whole.get()).as("not handed over whole").isZero();
        assertThat(chunks.get()).as("many chunks").isGreaterThan(content.length / MessageContent.CHUNK);
        assertThat(largestChunk.get()).isLessThanOrEqualTo(MessageContent.CHUNK);
        assertThat(Files.exists(dir.resolve("failed").resolve(id + ".json"))).as("deleted once spooled").isFalse();
        assertThat(spool.oldest(10)).extracting(SpooledMessage::id).containsExactly(id);
        assertThat(spool.oldest(10).get(0).pendingRecipients()).containsExactly("a@example.com", "b@example.com");
        return id;
    }

    private byte[] readBack(QueueId id) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var in = join(MessageContent.load(spool, id)).openStream()) {
            in.transferTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void aMultiMegabyteTextMessageWithEscapesAndEveryUtf8WidthComesBackByteExact() throws Exception {
        StringBuilder sb = new StringBuilder("Subject: gr\u00fc\u00dfe \"quoted\" back\\slash\r\n\r\n");
        Random r = new Random(7);
        String[] pieces = {"plain ascii ", "tab\there ", "\u00e9t\u00e9 ", "\u20ac\u2603 ", "\ud83d\udce7 ",
                "ctl\u0001\u001f ", "slash/ ", "\"q\" ", "\\ ", "\r\n"};
        while (sb.length() < 3_000_000) {
            sb.append(pieces[r.nextInt(pieces.length)]);
        }
        sb.append("\r\n");
        byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);

        QueueId id = storeAndResend(content);

        assertThat(readBack(id)).isEqualTo(content);
    }

    @Test
    void aMultiMegabyteBinaryMessageStoredAsBase64ComesBackByteExact() throws Exception {
        byte[] content = new byte[2_500_000];
        new Random(11).nextBytes(content);

        QueueId id = storeAndResend(content);

        assertThat(readBack(id)).isEqualTo(content);
    }

    @Test
    void aSmallMessageIsStillHandedOverWhole() throws Exception {
        QueueId id = ids.next();
        byte[] content = "Subject: small\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
        join(store.store(new FailedMessage(id, "app@example.com", List.of("a@example.com"), Instant.now(), 1,
                Instant.now(), "550 no", content, false, false)));

        assertThat(join(store.retry(id))).isTrue();
        assertThat(whole.get()).isEqualTo(1);
        assertThat(chunks.get()).isZero();
        assertThat(readBack(id)).isEqualTo(content);
    }

    @Test
    void aLargeFileCutShortIsMovedToCorruptAndNothingBecomesLive() throws Exception {
        QueueId id = ids.next();
        byte[] content = new byte[1_000_000];
        new Random(3).nextBytes(content);
        join(store.store(new FailedMessage(id, "app@example.com", List.of("a@example.com"), Instant.now(), 1,
                Instant.now(), "550 no", content, false, false)));
        Path file = dir.resolve("failed").resolve(id + ".json");
        byte[] json = Files.readAllBytes(file);
        int cut = new String(json, StandardCharsets.US_ASCII).indexOf("contentBase64") + 500_000;
        Files.write(file, java.util.Arrays.copyOf(json, cut));

        assertThat(join(store.retry(id))).as("nothing to re-send").isFalse();

        assertThat(dir.resolve("failed").resolve("corrupt").resolve(id + ".json")).exists();
        assertThat(file).doesNotExist();
        assertThat(chunks.get()).as("the content was never streamed").isZero();
        assertThat(spool.oldest(10)).as("nothing half-written became live").isEmpty();
    }

    @Test
    void aSpoolWriteErrorMidStreamAbortsTheUploadAndKeepsTheFile() throws Exception {
        AtomicInteger aborted = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        FileFailedStore failing = new FileFailedStore(dir.resolve("failed2"), new MessageIngress() {
            @Override
            public Admission admission() {
                return Admission.OK;
            }

            @Override
            public CompletableFuture<QueueId> accept(Envelope e, byte[] c) {
                return CompletableFuture.failedFuture(new IllegalStateException("not in this test"));
            }

            @Override
            public Upload begin() {
                return new Upload() {
                    @Override
                    public CompletableFuture<Void> write(ByteBuf chunk) {
                        chunk.release();
                        return written.incrementAndGet() < 3 ? CompletableFuture.completedFuture(null)
                                : CompletableFuture.failedFuture(new java.io.IOException("disk full"));
                    }

                    @Override
                    public CompletableFuture<QueueId> commit(Envelope envelope) {
                        throw new AssertionError("no commit after a failed write");
                    }

                    @Override
                    public void abort() {
                        aborted.incrementAndGet();
                    }
                };
            }
        }, new GatewayMetrics());
        try {
            QueueId id = ids.next();
            byte[] content = new byte[1_000_000];
            new Random(2).nextBytes(content);
            join(failing.store(new FailedMessage(id, "app@example.com", List.of("a@example.com"), Instant.now(), 1,
                    Instant.now(), "550 no", content, false, false)));

            CompletableFuture<Boolean> retried = failing.retry(id);
            try {
                retried.get(60, TimeUnit.SECONDS);
                throw new AssertionError("the re-send must fail");
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).hasMessageContaining("disk full");
            }
            assertThat(written.get()).isEqualTo(3);
            assertThat(aborted.get()).isEqualTo(1);
            assertThat(dir.resolve("failed2").resolve(id + ".json")).as("kept for the next try").exists();
            assertThat(failing.count()).isEqualTo(1);
        } finally {
            failing.close();
        }
    }
}
