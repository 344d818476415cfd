package dev.mailgateway.admin;

import dev.mailgateway.core.util.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * One answer of the admin API as a plain value: status, content type, body bytes and any
 * extra headers. Endpoints build these on any thread; only {@link AdminHandler} turns one into
 * a Netty response, on the channel's event loop, so no {@code ByteBuf} is ever created on a
 * store's thread or leaked when the client has gone.
 *
 * @param headers extra headers such as {@code Allow} or {@code WWW-Authenticate}; never
 *                Content-Type, Content-Length or Connection, which the handler sets
 * @param file    null, or a range of a file sent after {@code body} (then its {@link FilePart#suffix}):
 *                a large body goes out from the file, never through the heap
 */
record AdminResponse(HttpResponseStatus status, String contentType, byte[] body,
        Map<String, String> headers, FilePart file) {

    /** Bytes of an open file (owned by the response: the handler sends and closes it) and what follows them. */
    record FilePart(java.nio.channels.FileChannel channel, long offset, long length, byte[] suffix) {
    }

    AdminResponse(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
        this(status, contentType, body, headers, null);
    }

    /** The body's total length. */
    long contentLength() {
        return body.length + (file == null ? 0 : file.length() + file.suffix().length);
    }

    /** Closes the file part of a response that will not be sent. */
    void discard() {
        if (file != null) {
            try {
                file.channel().close();
            } catch (java.io.IOException ignored) {
                // nothing more to do
            }
        }
    }

    static final String JSON = "application/json; charset=utf-8";

    /** The shared general-purpose mapper ({@link Json}). */
    static final ObjectMapper MAPPER = Json.MAPPER;

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A JSON answer. */
    static AdminResponse json(HttpResponseStatus status, Object body) {
        try {
            return new AdminResponse(status, JSON, MAPPER.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AdminResponse ok(Object body) {
        return json(HttpResponseStatus.OK, body);
    }

    /** The one error shape of the API: {@code {"error": "..."}}. */
    static AdminResponse error(HttpResponseStatus status, String message) {
        return json(status, object().put("error", message));
    }

    /** 405 with the {@code Allow} header RFC 9110 section 15.5.6 requires. */
    static AdminResponse methodNotAllowed(String allow) {
        return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed; allowed: " + allow)
                .withHeader("Allow", allow);
    }

    static AdminResponse notFound(String what) {
        return error(HttpResponseStatus.NOT_FOUND, what);
    }

    AdminResponse withHeader(String name, String value) {
        HashMap<String, String> h = new HashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, h, file);
    }
}
