package dev.mailgateway.smtp.server;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.MessageIngress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A MessageIngress test double standing in for the spool: captures (envelope, bytes) and
 * completes on its own thread, like the spool writer. Modes: fail the next accepts, hold
 * completions until the test releases them, refuse admission.
 */
final class CapturingIngress implements MessageIngress {

    record Captured(Envelope envelope, byte[] content) {
        String text() {
            return new String(content, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** The content after the Received header this server prepends. */
        byte[] afterReceived() {
            String s = new String(content, java.nio.charset.StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n", s.indexOf(";\r\n\t") + 3) + 2;
            return java.util.Arrays.copyOfRange(content, end, content.length);
        }
    }

    final LinkedBlockingQueue<Captured> captured = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<CompletableFuture<QueueId>> held = new LinkedBlockingQueue<>();
    private final ExecutorService spoolThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-spool");
        t.setDaemon(true);
        return t;
    });
    volatile Admission admission = Admission.OK;
    volatile boolean fail;
    volatile boolean hold;

    @Override
    public Admission admission() {
        return admission;
    }

    @Override
    public CompletableFuture<QueueId> accept(Envelope envelope, byte[] content) {
        captured.add(new Captured(envelope, content));
        CompletableFuture<QueueId> f = new CompletableFuture<>();
        if (hold) {
            held.add(f);
            return f;
        }
        spoolThread.execute(() -> {
            if (fail) {
                f.completeExceptionally(new java.io.IOException("disk on fire (test)"));
            } else {
                f.complete(envelope.id());
            }
        });
        return f;
    }

    /** Completes the oldest held accept (on the spool thread), waiting up to 5 s for one. */
    void releaseOne(boolean success) throws InterruptedException {
        CompletableFuture<QueueId> f = held.poll(5, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no accept was held");
        }
        spoolThread.execute(() -> {
            if (success) {
                f.complete(QueueId.parse("0000000000000000"));
            } else {
                f.completeExceptionally(new java.io.IOException("test"));
            }
        });
    }

    Captured next() throws InterruptedException {
        Captured c = captured.poll(5, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no message reached the ingress within 5 s");
        }
        return c;
    }

    void close() {
        spoolThread.shutdownNow();
    }
}
