package dev.mailgateway.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Well-formed HTTP requests without a body to a server on 127.0.0.1 ({@link java.net.http.HttpClient}:
 * 5 s to connect, 10 s per request). For malformed or pipelined requests, or a chosen source
 * address, use {@link RawHttp}.
 */
public final class HttpTestClient {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private HttpTestClient() {
    }

    /** GET {@code path} on 127.0.0.1:{@code port}; the body as a string. */
    public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return send(port, "GET", path);
    }

    /** {@code method} (GET, POST, DELETE, …) {@code path} on 127.0.0.1:{@code port}, no request body. */
    public static HttpResponse<String> send(int port, String method, String path)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
