package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.net.NettyTransport;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FileSpool;
import dev.mailgateway.core.spool.MessageIngress;
import dev.mailgateway.core.spool.SpoolingIngress;
import dev.mailgateway.testkit.SmtpTestClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DATA streams to the spool (issue #11): real sockets, a real {@link FileSpool} or an ingress
 * whose spool writes the test holds back.
 */
class SmtpDataStreamingTest {

    @TempDir
    Path dir;

    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private SmtpServer server;
    private InetSocketAddress address;
    private FileSpool spool;
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        if (server != null) {
            server.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (spool != null) {
            spool.close();
        }
    }

    private void start(String extraJson, MessageIngress ingress) {
        GatewayConfig config = ConfigLoader.fromJson("""
                {"smtpHost": "127.0.0.1", "smtpPort": 0, "smtp": {"hostname": "mx.test"},
                 "security": {"requireAuth": false}%s}""".formatted(extraJson));
        boss = NettyTransport.nio().newGroup(1, "test-smtp-boss");
        workers = NettyTransport.nio().newGroup(2, "test-smtp-io");
        server = new SmtpServer(new LiveConfig(config), ingress, new GatewayMetrics(), new QueueIdGenerator(),
                NettyTransport.nio(), boss, workers);
        address = server.start();
    }

    private SpoolingIngress realSpool(Dispatcher dispatcher) {
        GatewayConfig defaults = GatewayConfig.defaults();
        spool = new FileSpool(dir.resolve("spool"), defaults.spool(), new GatewayMetrics());
        spool.recover();
        return new SpoolingIngress(spool, dispatcher, defaults.spool());
    }

    private SmtpTestClient inData(String... rcpts) throws IOException {
        SmtpTestClient c = new SmtpTestClient(address);
        c.expect("220");
        c.line("EHLO client.test").expect("250");
        c.line("MAIL FROM:<app@example.com> SIZE=25000000").expect("250");
        for (String r : rcpts) {
            c.line("RCPT TO:<" + r + ">").expect("250");
        }
        c.line("DATA").expect("354");
        return c;
    }

    /** CRLF lines of printable text, none starting with a dot: {@code lines} x 100 octets. */
    private static byte[] body(int lines, char seed) {
        StringBuilder sb = new StringBuilder(lines * 100);
        for (int i = 0; i < lines; i++) {
            for (int j = 0; j < 98; j++) {
                sb.append((char) ('a' + (seed + i + j) % 26));
            }
            sb.append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean await(BooleanSupplier condition, long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10); // polling interval of a bounded wait
        }
        return true;
    }

    @Test
    void fiveMegabyteMessageIsStreamedToTheSpoolAndComesBackByteExact() throws Exception {
        Dispatcher dispatcher = new Dispatcher(1, 16);
        start("", realSpool(dispatcher));
        byte[] body = body(50_000, 'a');
        try (SmtpTestClient c = inData("r@example.org")) {
            c.send(body).send(".\r\n");
            String reply = c.expect("250 2.0.0");
            QueueId id = QueueId.parse(reply.substring(reply.lastIndexOf(' ') + 1).trim());
            SpooledMessage m = dispatcher.queue(0).poll();
            assertThat(m.id()).isEqualTo(id);
            byte[] stored = spool.readContent(id).get(10, TimeUnit.SECONDS);
            String text = new String(stored, StandardCharsets.US_ASCII);
            assertThat(text).startsWith("Received: ");
            byte[] after = java.util.Arrays.copyOfRange(stored, stored.length - body.length, stored.length);
            assertThat(after).isEqualTo(body);
            assertThat(spool.contentLength(id)).isEqualTo(stored.length);
        }
    }

    /** An ingress whose upload writes and commits complete only when the test says so. */
    private static final class HeldIngress implements MessageIngress {
        final AtomicLong written = new AtomicLong();
        final AtomicInteger aborted = new AtomicInteger();
        final AtomicInteger committed = new AtomicInteger();
        final ConcurrentLinkedQueue<CompletableFuture<Void>> heldWrites = new ConcurrentLinkedQueue<>();
        volatile boolean holdWrites;
        volatile boolean neverCommit;
        final ExecutorService spoolThread = Executors.newSingleThreadExecutor();

        @Override
        public Admission admission() {
            return Admission.OK;
        }

        @Override
        public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
            return neverCommit ? new CompletableFuture<>() : CompletableFuture.completedFuture(envelope.id());
        }

        @Override
        public Upload begin() {
            return new Upload() {
                @Override
                public CompletableFuture<Void> write(ByteBuf chunk) {
                    written.addAndGet(chunk.readableBytes());
                    chunk.release();
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    if (holdWrites) {
                        heldWrites.add(f);
                    } else {
                        spoolThread.execute(() -> f.complete(null));
                    }
                    return f;
                }

                @Override
                public CompletableFuture<QueueId> commit(Envelope envelope) {
                    committed.incrementAndGet();
                    CompletableFuture<QueueId> f = new CompletableFuture<>();
                    if (!neverCommit) {
                        spoolThread.execute(() -> f.complete(envelope.id()));
                    }
                    return f;
                }

                @Override
                public void abort() {
                    aborted.incrementAndGet();
                }
            };
        }

        void releaseWrites() {
            CompletableFuture<Void> f;
            while ((f = heldWrites.poll()) != null) {
                CompletableFuture<Void> g = f;
                spoolThread.execute(() -> g.complete(null));
            }
        }
    }

    @Test
    void clientGoneMidDataAbortsTheUpload() throws Exception {
        HeldIngress ingress = new HeldIngress();
        start("", ingress);
        SmtpTestClient c = inData("r@example.org");
        c.send(body(3_000, 'b')); // 300 KB: several chunks already handed to the spool
        assertThat(await(() -> ingress.written.get() >= 128 * 1024, 5_000)).isTrue();
        c.close();
        assertThat(await(() -> ingress.aborted.get() == 1, 5_000)).as("upload aborted").isTrue();
        assertThat(ingress.committed.get()).isZero();
    }

    /** RFC 5321 4.5.3.1.10: over the limit, the bytes already streamed are discarded; 552 after the terminator. */
    @Test
    void oversizeMessageAbortsWhatWasStreamedAndAnswers552() throws Exception {
        HeldIngress ingress = new HeldIngress();
        start(", \"limits\": {\"maxMessageSizeBytes\": 200000}", ingress);
        try (SmtpTestClient c = new SmtpTestClient(address)) {
            c.expect("220");
            c.line("EHLO client.test").expect("250");
            c.line("MAIL FROM:<app@example.com>").expect("250");
            c.line("RCPT TO:<r@example.org>").expect("250");
            c.line("DATA").expect("354");
            c.send(body(5_000, 'c')).send(".\r\n");
            c.expect("552");
            assertThat(ingress.aborted.get()).isEqualTo(1);
            assertThat(ingress.committed.get()).isZero();
            assertThat(ingress.written.get()).isGreaterThan(64 * 1024);
            c.line("NOOP").expect("250");
        }
    }

    @Test
    void budgetUsedUpPausesReadingUntilTheSpoolCatchesUpThenTheMessageIsAccepted() throws Exception {
        HeldIngress ingress = new HeldIngress();
        ingress.holdWrites = true;
        start(", \"limits\": {\"maxBufferedDataBytes\": 131072}", ingress);
        SmtpTestClient c = inData("r@example.org");
        byte[] body = body(100_000, 'd'); // 10 MB
        Future<?> sender = clients.submit(() -> {
            c.send(body).send(".\r\n");
            return null;
        });
        // the budget (128 KiB) fills with held writes; then the server stops reading this client
        assertThat(await(() -> ingress.written.get() >= 128 * 1024, 5_000)).isTrue();
        Thread.sleep(300); // let a reader that did not stop run on (it would pass the bound below)
        long whilePaused = ingress.written.get();
        assertThat(whilePaused).as("bytes handed over while the budget is used up")
                .isLessThanOrEqualTo(128 * 1024 + 2 * 65536 + 16);
        assertThat(sender.isDone()).as("the client is slowed down, not served").isFalse();
        // the spool catches up: reading resumes, and so on to the end
        ingress.holdWrites = false;
        ingress.releaseWrites();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!sender.isDone() && System.nanoTime() < deadline) {
            ingress.releaseWrites();
            Thread.sleep(5); // polling interval of a bounded wait
        }
        sender.get(30, TimeUnit.SECONDS);
        c.expect("250 2.0.0");
        assertThat(ingress.written.get()).isGreaterThanOrEqualTo(body.length);
        c.close();
    }

    @Test
    void spoolThatDoesNotAnswerWithinTheWriteTimeoutGets451AndTheSessionGoesOn() throws Exception {
        HeldIngress ingress = new HeldIngress();
        ingress.neverCommit = true;
        start(", \"spool\": {\"writeTimeoutSec\": 1}", ingress);
        try (SmtpTestClient c = inData("r@example.org")) {
            c.send(body(2_000, 'e')).send(".\r\n");
            long t0 = System.nanoTime();
            c.expect("451 4.3.0");
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(4));
            c.line("NOOP").expect("250");
            c.line("MAIL FROM:<app@example.com>").expect("250");
        }
    }

    /** RFC 1870: SIZE declared, nothing sent: no memory reserved (many such sessions at once). */
    @Test
    void manySessionsThatDeclareSizeAndSendNothingHoldNoBuffers() throws Exception {
        HeldIngress ingress = new HeldIngress();
        start("", ingress);
        List<SmtpTestClient> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                idle.add(inData("r@example.org")); // SIZE=25000000, then DATA, then nothing
            }
            // the proof is in the decoder (SmtpServerDecoderTest.declaredSizeReservesNoMemory);
            // here: the sessions are all alive and served, nothing was handed to the spool
            assertThat(ingress.written.get()).isZero();
            try (SmtpTestClient c = inData("r@example.org")) {
                c.send("Subject: x\r\n\r\nhi\r\n.\r\n").expect("250");
            }
        } finally {
            for (SmtpTestClient c : idle) {
                c.close();
            }
        }
    }
}
