package dev.mailgateway.server;

import dev.mailgateway.core.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailgateway.core.config.GatewayConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code healthcheck} sub-command (Docker's HEALTHCHECK; the runtime image has no curl):
 * {@code GET http://<adminHost>:<healthCheckPort>/health}, exit 0 when the answer's
 * {@code status} is "ok", 1 otherwise with the reason on stderr. A wildcard {@code adminHost}
 * (0.0.0.0, ::) is probed on loopback.
 */
final class HealthProbe {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private static final JsonMapper MAPPER = Json.MAPPER;

    private HealthProbe() {
    }

    static int run(GatewayConfig config, Duration timeout, PrintStream out, PrintStream err) {
        if (!config.enableHealthCheck()) {
            err.println("unhealthy: the health endpoint is disabled (enableHealthCheck is false)");
            return 1;
        }
        if (config.healthCheckPort() == 0) {
            err.println("unhealthy: healthCheckPort is 0 (any free port), so there is no known port to probe");
            return 1;
        }
        URI uri = healthUri(config);
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            err.println("unhealthy: no answer from " + uri + " within " + timeout.toMillis() + " ms");
            return 1;
        } catch (ConnectException e) {
            err.println("unhealthy: cannot connect to " + uri + ": connection refused "
                    + "(is the gateway running? check adminHost, healthCheckPort, enableHealthCheck)");
            return 1;
        } catch (IOException e) {
            err.println("unhealthy: " + uri + ": " + describe(e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("unhealthy: interrupted while asking " + uri);
            return 1;
        }
        return judge(uri, response.statusCode(), response.body(), out, err);
    }

    static int judge(URI uri, int httpStatus, String body, PrintStream out, PrintStream err) {
        JsonNode json;
        try {
            json = MAPPER.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        String status = json != null && json.hasNonNull("status") ? json.get("status").asText() : null;
        if (httpStatus == 200 && "ok".equals(status)) {
            out.println("ok: " + uri);
            return 0;
        }
        StringBuilder reason = new StringBuilder("unhealthy: ").append(uri).append(" answered HTTP ")
                .append(httpStatus);
        if (status != null) {
            reason.append(", status ").append(status);
            List<String> problems = problems(json);
            if (!problems.isEmpty()) {
                reason.append(": ").append(String.join("; ", problems));
            }
        } else {
            reason.append(": ").append(abbreviate(body));
        }
        err.println(reason);
        return 1;
    }

    /** The text of every "problems" array in the answer, wherever the admin API puts it. */
    private static List<String> problems(JsonNode json) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : json.findValues("problems")) {
            if (p.isArray()) {
                p.forEach(n -> out.add(n.asText()));
            } else if (!p.isNull()) {
                out.add(p.asText());
            }
        }
        return out;
    }

    static URI healthUri(GatewayConfig config) {
        String host = config.adminHost().trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        } else if (host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
            host = "::1";
        }
        String authority = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + authority + ":" + config.healthCheckPort() + "/health");
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String abbreviate(String body) {
        String b = body == null ? "" : body.strip();
        return b.length() <= 300 ? b : b.substring(0, 300) + "...";
    }
}
