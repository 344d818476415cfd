package dev.mailgateway.core.spool;

import dev.mailgateway.core.text.Utf8;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON form of a failed message, {@code failed/<id>.json} (docs/spool.md): the raw
 * content as text when it is valid UTF-8 (strict decoder), as {@code contentBase64} otherwise.
 * Stateless and thread-safe.
 */
final class FailedMessageJson {

    /** The one factory for failed-message documents (also {@link FailedContentReader}'s). */
    static final JsonFactory JSON = new JsonFactory();

    private FailedMessageJson() {
    }

    static byte[] write(FailedMessage m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.content().length + 512);
        write(m, MessageContent.of(m.content()), out);
        return out.toByteArray();
    }

    /**
     * Writes the JSON of {@code m} with {@code content} to {@code out}, streaming: the content is
     * read twice in {@link MessageContent#CHUNK} pieces (a strict UTF-8 check, then the field),
     * never held whole. Blocking (a streamed content is read from the spool): not on an event loop.
     */
    static void write(FailedMessage m, MessageContent content, java.io.OutputStream out) throws IOException {
        boolean utf8 = content.inMemory() ? strictUtf8(content.bytes()) != null : isStrictUtf8(content);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("id", m.id().value());
            g.writeStringField("from", m.from());
            g.writeArrayFieldStart("to");
            for (String r : m.to()) {
                g.writeString(r);
            }
            g.writeEndArray();
            g.writeStringField("receivedAt", m.receivedAt().toString());
            g.writeNumberField("attempts", m.attempts());
            g.writeStringField("lastAttemptAt", m.lastAttemptAt().toString());
            g.writeStringField("lastError", m.lastError() == null ? "" : m.lastError());
            g.writeBooleanField("smtpUtf8", m.smtpUtf8());
            g.writeBooleanField("eightBit", m.eightBit());
            writeDsn(g, m.dsn());
            if (utf8) {
                g.writeFieldName("content");
                try (java.io.Reader r = new java.io.InputStreamReader(content.openStream(), StandardCharsets.UTF_8)) {
                    g.writeString(r, -1);
                }
            } else {
                g.writeFieldName("contentBase64"); // standard alphabet, padded, no line feeds
                try (java.io.InputStream in = content.openStream()) {
                    g.writeBinary(com.fasterxml.jackson.core.Base64Variants.MIME_NO_LINEFEEDS, in, -1);
                }
            }
            g.writeEndObject();
        }
    }

    /** Strict UTF-8 check of a streamed content, a chunk at a time. */
    private static boolean isStrictUtf8(MessageContent content) throws IOException {
        java.nio.charset.CharsetDecoder d = Utf8.strictDecoder();
        java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(MessageContent.CHUNK);
        ByteBuffer bytes = ByteBuffer.allocate(MessageContent.CHUNK + 8);
        byte[] part = new byte[MessageContent.CHUNK];
        try (java.io.InputStream in = content.openStream()) {
            for (int n; (n = in.read(part)) > 0; ) {
                bytes.put(part, 0, n).flip();
                for (;;) {
                    chars.clear();
                    java.nio.charset.CoderResult r = d.decode(bytes, chars, false);
                    if (r.isError()) {
                        return false;
                    }
                    if (r.isUnderflow()) {
                        break;
                    }
                }
                bytes.compact(); // an incomplete sequence at the end waits for the next chunk
            }
        }
        bytes.flip();
        chars.clear();
        return !d.decode(bytes, chars, true).isError() && !d.flush(chars).isError();
    }

    /** The content as text when it is valid UTF-8, else null (then it is stored as base64). */
    static String strictUtf8(byte[] content) {
        return Utf8.strictOrNull(content);
    }

    /**
     * Parses a stored file; content is skipped (not decoded) unless asked for.
     *
     * @throws IllegalArgumentException when a field is missing or wrong, or the id does not
     *                                  match the file name
     */
    static FailedMessage read(byte[] json, QueueId expected, boolean withContent) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            return read(p, expected, withContent, null);
        }
    }

    /** Where a file's content value starts (its opening quote, a byte offset) and how it is encoded. */
    record ContentField(long offset, boolean base64) {
    }

    /** A stored message without its content, and where the content is in the file. */
    record Located(FailedMessage message, ContentField content) {
    }

    /**
     * Parses a stored file streaming, the content skipped (memory does not grow with it), and
     * notes where the content is, for {@link #streamContent}.
     */
    static Located locate(java.io.InputStream json, QueueId expected) throws IOException {
        ContentField[] where = new ContentField[1];
        try (JsonParser p = JSON.createParser(json)) {
            FailedMessage m = read(p, expected, false, where);
            return new Located(m, where[0]);
        }
    }

    private static FailedMessage read(JsonParser p, QueueId expected, boolean withContent, ContentField[] where)
            throws IOException {
        String id = null;
        String from = null;
        List<String> to = null;
        Instant receivedAt = null;
        Integer attempts = null;
        Instant lastAttemptAt = null;
        String lastError = "";
        boolean smtpUtf8 = false;
        boolean eightBit = false;
        Dsn dsn = Dsn.NONE;
        byte[] content = null;
        boolean hasContent = false;
        {
            expect(p.nextToken(), JsonToken.START_OBJECT, "an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> id = text(p, t, field);
                    case "from" -> from = text(p, t, field);
                    case "to" -> {
                        expect(t, JsonToken.START_ARRAY, "to: an array");
                        to = new ArrayList<>();
                        while (p.nextToken() == JsonToken.VALUE_STRING) {
                            to.add(p.getText());
                        }
                        expect(p.currentToken(), JsonToken.END_ARRAY, "to: strings only");
                    }
                    case "receivedAt" -> receivedAt = Instant.parse(text(p, t, field));
                    case "attempts" -> {
                        expect(t, JsonToken.VALUE_NUMBER_INT, "attempts: an integer");
                        attempts = p.getIntValue();
                    }
                    case "lastAttemptAt" -> lastAttemptAt = Instant.parse(text(p, t, field));
                    case "lastError" -> lastError = text(p, t, field);
                    case "smtpUtf8" -> smtpUtf8 = bool(p, t, field);
                    case "eightBit" -> eightBit = bool(p, t, field);
                    case "dsn" -> dsn = readDsn(p, t);
                    case "content" -> {
                        expect(t, JsonToken.VALUE_STRING, "content: a string");
                        hasContent = true;
                        if (where != null) {
                            where[0] = new ContentField(p.currentTokenLocation().getByteOffset(), false);
                        }
                        if (withContent) {
                            content = p.getText().getBytes(StandardCharsets.UTF_8);
                        }
                    }
                    case "contentBase64" -> {
                        expect(t, JsonToken.VALUE_STRING, "contentBase64: a string");
                        hasContent = true;
                        if (where != null) {
                            where[0] = new ContentField(p.currentTokenLocation().getByteOffset(), true);
                        }
                        if (withContent) {
                            content = Base64.getDecoder().decode(p.getText());
                        }
                    }
                    default -> p.skipChildren(); // unknown fields are kept for forward compatibility
                }
            }
            expect(p.currentToken(), JsonToken.END_OBJECT, "a complete object");
        }
        if (id == null || !id.equals(expected.value())) {
            throw new IllegalArgumentException("id " + id + " does not match the file name " + expected);
        }
        require(from, "from");
        require(to, "to");
        require(receivedAt, "receivedAt");
        require(attempts, "attempts");
        require(lastAttemptAt, "lastAttemptAt");
        if (to.isEmpty()) {
            throw new IllegalArgumentException("to is empty");
        }
        if (!hasContent) {
            throw new IllegalArgumentException("neither content nor contentBase64");
        }
        return new FailedMessage(expected, from, to, receivedAt, attempts, lastAttemptAt, lastError,
                content, smtpUtf8, eightBit, dsn);
    }

    /**
     * {@code "dsn": {"ret", "envId", "notify": [...], "orcpt": [...]}} (RFC 3461, per recipient in
     * {@code to}'s order), written only when the transaction had DSN parameters; files without it
     * read as before.
     */
    private static void writeDsn(JsonGenerator g, Dsn dsn) throws IOException {
        if (dsn.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("dsn");
        g.writeStringField("ret", dsn.ret());
        g.writeStringField("envId", dsn.envId());
        g.writeArrayFieldStart("notify");
        for (String n : dsn.notifies()) {
            g.writeString(n);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("orcpt");
        for (String o : dsn.orcpt()) {
            g.writeString(o);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static Dsn readDsn(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_OBJECT, "dsn: an object");
        String ret = "";
        String envId = "";
        List<String> notifies = List.of();
        List<String> orcpt = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "ret" -> ret = text(p, v, "dsn.ret");
                case "envId" -> envId = text(p, v, "dsn.envId");
                case "notify" -> notifies = strings(p, v, "dsn.notify");
                case "orcpt" -> orcpt = strings(p, v, "dsn.orcpt");
                default -> p.skipChildren();
            }
        }
        return new Dsn(ret, envId, notifies, orcpt);
    }

    private static List<String> strings(JsonParser p, JsonToken t, String what) throws IOException {
        expect(t, JsonToken.START_ARRAY, what + ": an array");
        List<String> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.VALUE_STRING) {
            out.add(p.getText());
        }
        expect(p.currentToken(), JsonToken.END_ARRAY, what + ": strings only");
        return out;
    }

    private static void expect(JsonToken got, JsonToken want, String what) {
        if (got != want) {
            throw new IllegalArgumentException("expected " + what + ", got " + got);
        }
    }

    private static String text(JsonParser p, JsonToken t, String field) throws IOException {
        expect(t, JsonToken.VALUE_STRING, field + ": a string");
        return p.getText();
    }

    private static boolean bool(JsonParser p, JsonToken t, String field) {
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw new IllegalArgumentException(field + ": a boolean expected, got " + t);
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("missing field " + field);
        }
    }
}
