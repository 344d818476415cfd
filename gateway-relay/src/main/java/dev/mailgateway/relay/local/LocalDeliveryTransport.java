package dev.mailgateway.relay.local;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.relay.worker.Delivery;
import dev.mailgateway.relay.worker.DeliveryTransport;
import io.netty.channel.EventLoop;
import java.io.IOException;
import dev.mailgateway.core.spool.MessageContent;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The embedded default (forwardSMTP false): each message is delivered by writing it to
 * {@code <emailsDir>/local/<queue-id>.eml}, the exact bytes the gateway would relay (Received
 * header included, CRLF lines, not dot-stuffed), readable by any mail client. Written to a temp
 * file, forced when {@code spool.fsync} is true, then renamed into place, so a reader never sees
 * half a file; a redelivery after a crash overwrites the same name.
 *
 * <p>Threads: file work on the given executor (one dedicated thread shared by all workers),
 * never on an event loop; the outcome is recorded back on the worker's loop.
 */
public final class LocalDeliveryTransport implements DeliveryTransport {

    /** What local delivery runs at once per worker (the writer thread serialises anyway). */
    private static final int MAX_CONCURRENT = 64;

    private final EventLoop loop;
    private final Path dir;
    private final boolean fsync;
    private final ExecutorService writer;

    public LocalDeliveryTransport(EventLoop loop, Path dir, boolean fsync, ExecutorService writer) {
        this.loop = loop;
        this.dir = dir;
        this.fsync = fsync;
        this.writer = writer;
    }

    @Override
    public int maxConcurrent() {
        return MAX_CONCURRENT;
    }

    @Override
    public void deliver(Delivery d) {
        d.relay("local");
        String id = d.message().id().value();
        MessageContent content = d.body(); // streamed from the spool when large
        try {
            writer.execute(() -> {
                String error = null;
                Path target = dir.resolve(id + ".eml");
                try {
                    write(target, content);
                } catch (IOException | RuntimeException e) {
                    error = e.toString();
                }
                String err = error;
                try {
                    loop.execute(() -> finish(d, target, err));
                } catch (RejectedExecutionException e) {
                    // the relay shut down meanwhile: the message stays in the spool, redelivery
                    // at the next start overwrites the same file
                }
            });
        } catch (RejectedExecutionException e) {
            d.complete("451 4.3.0 local delivery is shutting down");
        }
    }

    private void finish(Delivery d, Path target, String error) {
        if (d.isFinished()) {
            return;
        }
        List<RecipientOutcome> outcomes = new ArrayList<>(d.recipients().size());
        for (String r : d.recipients()) {
            outcomes.add(error == null
                    ? new RecipientOutcome(r, DeliveryStatus.DELIVERED, "250 2.0.0 written to " + target)
                    // a disk problem is temporary from the message's point of view: retry
                    : new RecipientOutcome(r, DeliveryStatus.DEFERRED, "451 4.3.0 local write failed: " + error));
        }
        d.record(outcomes);
        d.complete("451 4.3.0 no outcome recorded");
    }

    private void write(Path target, MessageContent content) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (content.inMemory()) {
                ByteBuffer buf = ByteBuffer.wrap(content.bytes());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } else {
                // a chunk at a time, on this (local-delivery) thread: never the whole message
                try (java.io.InputStream in = content.openStream()) {
                    byte[] part = new byte[MessageContent.CHUNK];
                    long written = 0;
                    for (int n; (n = in.read(part)) > 0; ) {
                        ByteBuffer buf = ByteBuffer.wrap(part, 0, n);
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        written += n;
                    }
                    if (written != content.length()) {
                        throw new IOException("wrote " + written + " of " + content.length() + " bytes");
                    }
                }
            }
            if (fsync) {
                ch.force(true);
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (fsync) {
            // make the rename durable too
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems cannot open a directory; the file itself is durable
            }
        }
    }
}
