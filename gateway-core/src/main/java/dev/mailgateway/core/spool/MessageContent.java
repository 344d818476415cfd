package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The content of a message being delivered: either whole in memory (small messages, and what
 * test doubles hand out) or streamed from the spool piece by piece, so a 16 MB message is never
 * held whole by the relay, local delivery or the failed store.
 *
 * <p>Threads: immutable; {@link #read} may be called from any thread and completes on the spool
 * thread (or at once for in-memory content). {@link #openStream()} blocks: use it only off event
 * loops (the local-delivery and failed-store threads).
 */
public final class MessageContent {

    /** Contents up to this size are read whole; larger ones are streamed. */
    public static final int STREAM_ABOVE = 256 * 1024;
    /** Bytes per read when streaming. */
    public static final int CHUNK = 64 * 1024;
    private static final long READ_TIMEOUT_SEC = 60;

    private final byte[] bytes;
    private final Spool spool;
    private final QueueId id;
    private final long length;
    private final byte[] head;

    private MessageContent(byte[] bytes, Spool spool, QueueId id, long length, byte[] head) {
        this.bytes = bytes;
        this.spool = spool;
        this.id = id;
        this.length = length;
        this.head = head;
    }

    /** A content held whole in memory. */
    public static MessageContent of(byte[] bytes) {
        return new MessageContent(Objects.requireNonNull(bytes), null, null, bytes.length, bytes);
    }

    /** A content read from the spool as it is needed; {@code head} is its first bytes. */
    public static MessageContent streamed(Spool spool, QueueId id, long length, byte[] head) {
        return new MessageContent(null, spool, id, length, head);
    }

    /**
     * Reads the content of a live message: whole when it is small or its length is unknown,
     * streamed (its first {@link #CHUNK} bytes read now) when it is larger than {@link #STREAM_ABOVE}.
     */
    public static CompletableFuture<MessageContent> load(Spool spool, QueueId id) {
        long length = spool.contentLength(id);
        if (length <= STREAM_ABOVE) {
            return spool.readContent(id).thenApply(MessageContent::of);
        }
        return spool.readContent(id, 0, CHUNK).thenApply(head -> streamed(spool, id, length, head));
    }

    public long length() {
        return length;
    }

    public boolean inMemory() {
        return bytes != null;
    }

    /** The whole content; only when {@link #inMemory()}. */
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("content of " + id + " (" + length + " bytes) is streamed, not in memory");
        }
        return bytes;
    }

    /** The first bytes (at least the headers of most messages); the whole content when in memory. */
    public byte[] head() {
        return head;
    }

    /** Up to {@code max} bytes from {@code offset}; an empty array at the end. */
    public CompletableFuture<byte[]> read(long offset, int max) {
        if (bytes != null) {
            int from = (int) Math.min(offset, bytes.length);
            int to = (int) Math.min(bytes.length, (long) from + max);
            return CompletableFuture.completedFuture(java.util.Arrays.copyOfRange(bytes, from, to));
        }
        if (offset == 0 && max == head.length) {
            return CompletableFuture.completedFuture(head);
        }
        return spool.readContent(id, offset, max);
    }

    /** A blocking stream over the content, {@link #CHUNK} bytes held at a time. Not on an event loop. */
    public InputStream openStream() {
        if (bytes != null) {
            return new java.io.ByteArrayInputStream(bytes);
        }
        return new InputStream() {
            private byte[] buf = new byte[0];
            private int pos;
            private long next;

            private boolean fill() throws IOException {
                if (pos < buf.length) {
                    return true;
                }
                if (next >= length) {
                    return false;
                }
                try {
                    buf = MessageContent.this.read(next, CHUNK).get(READ_TIMEOUT_SEC, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted reading " + id);
                } catch (ExecutionException | TimeoutException e) {
                    Throwable c = e instanceof ExecutionException ? e.getCause() : e;
                    throw new IOException("cannot read the content of " + id + " from the spool: " + c, c);
                }
                if (buf.length == 0) {
                    throw new IOException("content of " + id + " ends at " + next + " of " + length + " bytes");
                }
                pos = 0;
                next += buf.length;
                return true;
            }

            @Override
            public int read() throws IOException {
                return fill() ? buf[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, buf.length - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
