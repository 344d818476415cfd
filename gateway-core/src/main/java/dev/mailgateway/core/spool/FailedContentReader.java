package dev.mailgateway.core.spool;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a stored message's content back out of its {@code failed/<id>.json} without holding it
 * whole: decoded a chunk at a time for a re-send ({@link #streamContent}), or located as a byte
 * range for an answer sent from the file ({@link #endOfString}). The fields are
 * {@link FailedMessageJson}'s. Stateless; blocking file reads: not on an event loop.
 */
final class FailedContentReader {

    private FailedContentReader() {
    }

    /**
     * The fields of {@code file} (parsed streaming, content skipped) and the byte range of its
     * content's JSON string, with the file open from now on (the caller owns the channel); empty
     * when the file cannot be read or parsed (then {@code get} reads it, and moves it aside if
     * it is corrupt).
     */
    static java.util.Optional<FailedStore.ContentLocation> locate(Path file, dev.mailgateway.core.model.QueueId id) {
        java.nio.channels.FileChannel ch = null;
        try {
            ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
            java.io.InputStream in = new java.io.FilterInputStream(java.nio.channels.Channels.newInputStream(ch)) {
                @Override
                public void close() {
                    // the parser closes its source: keep the channel open for the caller
                }
            };
            FailedMessageJson.Located found = FailedMessageJson.locate(in, id);
            FailedMessageJson.ContentField f = found.content();
            long end = endOfString(ch, f.offset());
            return java.util.Optional.of(new FailedStore.ContentLocation(found.message(), ch, f.offset(),
                    end - f.offset(), f.base64()));
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * Decodes the content of a file located with {@link FailedMessageJson#locate} into {@code sink}, at most
     * {@link MessageContent#CHUNK} bytes per call (the array is the sink's to keep). Reads the
     * file sequentially; never holds the content whole. Blocking: not on an event loop.
     *
     * @throws IOException when the file does not hold a complete content value where it was found
     */
    static void streamContent(Path file, FailedMessageJson.Located located, ChunkSink sink) throws IOException {
        FailedMessageJson.ContentField f = located.content();
        if (f.base64()) {
            try (java.io.InputStream in = Files.newInputStream(file); JsonParser p = FailedMessageJson.JSON.createParser(in)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("not a JSON object: " + file.getFileName());
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (field.equals("contentBase64")) {
                        if (t != JsonToken.VALUE_STRING) {
                            throw new IOException("contentBase64 is not a string in " + file.getFileName());
                        }
                        ChunkingOutputStream out = new ChunkingOutputStream(sink);
                        p.readBinaryValue(com.fasterxml.jackson.core.Base64Variants.MIME_NO_LINEFEEDS, out);
                        out.finish(); // only after a complete value: a failure above sends nothing more
                        return;
                    }
                    p.skipChildren();
                }
            }
            throw new IOException("no contentBase64 in " + file.getFileName());
        }
        try (java.io.InputStream raw = Files.newInputStream(file)) {
            java.io.InputStream in = new java.io.BufferedInputStream(raw, MessageContent.CHUNK);
            in.skipNBytes(f.offset());
            if (in.read() != '"') {
                throw new IOException("content of " + file.getFileName() + " not found at byte " + f.offset());
            }
            decodeJsonString(in, sink, file);
        }
    }

    /**
     * The offset just past the closing quote of the JSON string whose opening quote is at
     * {@code offset}, found by scanning the file (an escaped quote does not end it).
     */
    static long endOfString(java.nio.channels.FileChannel ch, long offset) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MessageContent.CHUNK);
        long pos = offset + 1;
        boolean escaped = false;
        for (;;) {
            buf.clear();
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("a JSON string without its closing quote");
            }
            for (int i = 0; i < n; i++) {
                byte b = buf.get(i);
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    return pos + i + 1;
                }
            }
            pos += n;
        }
    }

    /** Receives decoded content, a chunk at a time. */
    interface ChunkSink {
        void accept(byte[] chunk, int length) throws IOException;
    }

    /**
     * The rest of a JSON string (RFC 8259 section 7) after its opening quote, unescaped, to UTF-8
     * bytes: raw bytes pass through (the file is UTF-8), escapes are decoded, surrogate pairs
     * joined.
     */
    private static void decodeJsonString(java.io.InputStream in, ChunkSink sink, Path file) throws IOException {
        byte[] buf = new byte[MessageContent.CHUNK];
        int n = 0;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("content of " + file.getFileName() + " ends before its closing quote");
            }
            if (n + 4 > buf.length) {
                sink.accept(buf, n);
                buf = new byte[MessageContent.CHUNK];
                n = 0;
            }
            if (b == '"') {
                break;
            }
            if (b != '\\') {
                buf[n++] = (byte) b;
                continue;
            }
            int e = in.read();
            switch (e) {
                case '"', '\\', '/' -> buf[n++] = (byte) e;
                case 'b' -> buf[n++] = '\b';
                case 'f' -> buf[n++] = '\f';
                case 'n' -> buf[n++] = '\n';
                case 'r' -> buf[n++] = '\r';
                case 't' -> buf[n++] = '\t';
                case 'u' -> {
                    int cp = hex4(in, file);
                    if (Character.isHighSurrogate((char) cp)) {
                        if (in.read() != '\\' || in.read() != 'u') {
                            throw new IOException("a lone surrogate in the content of " + file.getFileName());
                        }
                        int low = hex4(in, file);
                        if (!Character.isLowSurrogate((char) low)) {
                            throw new IOException("a lone surrogate in the content of " + file.getFileName());
                        }
                        cp = Character.toCodePoint((char) cp, (char) low);
                    } else if (Character.isLowSurrogate((char) cp)) {
                        throw new IOException("a lone surrogate in the content of " + file.getFileName());
                    }
                    n = utf8(cp, buf, n);
                }
                default -> throw new IOException("a bad escape in the content of " + file.getFileName());
            }
        }
        if (n > 0) {
            sink.accept(buf, n);
        }
    }

    private static int hex4(java.io.InputStream in, Path file) throws IOException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(in.read(), 16);
            if (d < 0) {
                throw new IOException("a bad \\u escape in the content of " + file.getFileName());
            }
            v = v << 4 | d;
        }
        return v;
    }

    private static int utf8(int cp, byte[] buf, int n) {
        if (cp < 0x80) {
            buf[n++] = (byte) cp;
        } else if (cp < 0x800) {
            buf[n++] = (byte) (0xC0 | cp >> 6);
            buf[n++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            buf[n++] = (byte) (0xE0 | cp >> 12);
            buf[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
            buf[n++] = (byte) (0x80 | cp & 0x3F);
        } else {
            buf[n++] = (byte) (0xF0 | cp >> 18);
            buf[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
            buf[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
            buf[n++] = (byte) (0x80 | cp & 0x3F);
        }
        return n;
    }

    /** Base64-decoded bytes to the sink in chunks. */
    private static final class ChunkingOutputStream extends java.io.OutputStream {
        private final ChunkSink sink;
        private byte[] buf = new byte[MessageContent.CHUNK];
        private int n;

        ChunkingOutputStream(ChunkSink sink) {
            this.sink = sink;
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                emit();
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) {
                    emit();
                }
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        private void emit() throws IOException {
            sink.accept(buf, n);
            buf = new byte[MessageContent.CHUNK];
            n = 0;
        }

        /** Sends what is left. */
        void finish() throws IOException {
            if (n > 0) {
                emit();
            }
        }
    }
}
