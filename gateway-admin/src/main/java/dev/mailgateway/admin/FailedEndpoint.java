package dev.mailgateway.admin;

import dev.mailgateway.core.text.Utf8;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.spool.FailedStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The failed-mail recovery endpoints (spec section 5): list, show, delete and re-send messages
 * of the {@link FailedStore}. Every store call returns a future completed on the store's own
 * executor; this class only maps results to answers, and {@link AdminHandler} writes them back
 * on the channel's event loop. Ids reach here already checked with {@link QueueId#isValid}.
 */
final class FailedEndpoint {

    private final FailedStore store;
    /** Re-sends everything, paced (the relay's FailedResender; the store only re-sends one id). */
    private final Supplier<CompletableFuture<Integer>> retryAll;

    FailedEndpoint(FailedStore store, Supplier<CompletableFuture<Integer>> retryAll) {
        this.store = store;
        this.retryAll = retryAll;
    }

    /** {@code POST /admin/retry-failed}: {@code {"requeued": N}}. */
    CompletableFuture<AdminResponse> retryAll() {
        return retryAll.get().thenApply(n -> AdminResponse.ok(AdminResponse.object().put("requeued", n)));
    }

    /** {@code GET /admin/failed}: every message without its content, oldest first. */
    CompletableFuture<AdminResponse> list() {
        return store.list().thenApply(messages -> {
            ObjectNode body = AdminResponse.object().put("count", messages.size());
            ArrayNode list = body.putArray("messages");
            for (FailedMessage m : messages) {
                list.add(summary(m));
            }
            return AdminResponse.ok(body);
        });
    }

    /**
     * {@code GET /admin/failed/{id}}: one message with its content. A large one is answered from
     * its file: the fields rendered here, then the content's JSON string copied from the file as
     * it is (the store wrote it JSON-escaped, or base64), so the heap never holds it.
     */
    CompletableFuture<AdminResponse> get(QueueId id) {
        return store.locateContent(id).thenCompose(located -> located.isPresent()
                ? CompletableFuture.completedFuture(streamed(located.get()))
                : store.get(id).thenApply((Optional<FailedMessage> found) -> found
                        .map(m -> AdminResponse.ok(withContent(m)))
                        .orElseGet(() -> notFound(id))));
    }

    private static AdminResponse streamed(FailedStore.ContentLocation at) {
        FailedMessage m = at.message();
        ObjectNode fields = summary(m).put("smtpUtf8", m.smtpUtf8()).put("eightBit", m.eightBit());
        String json = new String(AdminResponse.ok(fields).body(), StandardCharsets.UTF_8);
        // {"id":...,"eightBit":false}  ->  {"id":...,"eightBit":false,"content":<the file's string>}
        String head = json.substring(0, json.lastIndexOf('}')) + (at.base64() ? ",\"contentBase64\":" : ",\"content\":");
        return new AdminResponse(HttpResponseStatus.OK, AdminResponse.JSON, head.getBytes(StandardCharsets.UTF_8),
                Map.of(), new AdminResponse.FilePart(at.channel(), at.offset(), at.length(),
                        "}".getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code DELETE /admin/failed/{id}}. */
    CompletableFuture<AdminResponse> delete(QueueId id) {
        return store.delete(id).thenApply(deleted -> deleted
                ? AdminResponse.ok(AdminResponse.object().put("deleted", id.value()))
                : notFound(id));
    }

    /** {@code POST /admin/failed/{id}/retry}: {@code {"requeued": 1}}. */
    CompletableFuture<AdminResponse> retry(QueueId id) {
        return store.retry(id).thenApply(requeued -> requeued
                ? AdminResponse.ok(AdminResponse.object().put("requeued", 1).put("id", id.value()))
                : notFound(id));
    }

    private static AdminResponse notFound(QueueId id) {
        return AdminResponse.notFound("no failed message " + id.value());
    }

    private static ObjectNode summary(FailedMessage m) {
        ObjectNode node = AdminResponse.object()
                .put("id", m.id().value())
                .put("from", m.from());
        ArrayNode to = node.putArray("to");
        m.to().forEach(to::add);
        node.put("attempts", m.attempts())
                .put("lastError", m.lastError())
                .put("receivedAt", text(m.receivedAt()))
                .put("lastAttemptAt", text(m.lastAttemptAt()));
        return node;
    }

    /**
     * The summary plus {@code smtpUtf8}, {@code eightBit} and the raw message: as
     * {@code content} when it is valid UTF-8, else as {@code contentBase64}, as in the
     * failed-store file.
     */
    private static ObjectNode withContent(FailedMessage m) {
        ObjectNode node = summary(m)
                .put("smtpUtf8", m.smtpUtf8())
                .put("eightBit", m.eightBit());
        byte[] content = m.content() == null ? new byte[0] : m.content();
        String text = Utf8.strictOrNull(content);
        if (text != null) {
            node.put("content", text);
        } else {
            node.put("contentBase64", Base64.getEncoder().encodeToString(content));
        }
        return node;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
