package dev.mailgateway.admin;

import dev.mailgateway.core.model.QueueId;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Maps a method and path to an endpoint: one plain {@code switch} on the path, then a check
 * of the method (405 with {@code Allow} otherwise). Stateless and shared by every connection;
 * called on the admin event loop. Access control happens before, in {@link AdminHandler}.
 */
final class AdminRouter {

    private static final String FAILED_ITEM_PREFIX = "/admin/failed/";

    private final HealthEndpoint health;
    private final MetricsEndpoint metrics;
    private final PrometheusEndpoint prometheus;
    private final FailedEndpoint failed;
    private final QueueEndpoint queue;
    private final ReloadEndpoint reload;

    AdminRouter(HealthEndpoint health, MetricsEndpoint metrics, PrometheusEndpoint prometheus,
            FailedEndpoint failed, QueueEndpoint queue) {
        this(health, metrics, prometheus, failed, queue, new ReloadEndpoint(null));
    }

    AdminRouter(HealthEndpoint health, MetricsEndpoint metrics, PrometheusEndpoint prometheus,
            FailedEndpoint failed, QueueEndpoint queue, ReloadEndpoint reload) {
        this.health = health;
        this.metrics = metrics;
        this.prometheus = prometheus;
        this.failed = failed;
        this.queue = queue;
        this.reload = reload;
    }

    /**
     * The answer to {@code method path}; may complete later, on another thread.
     *
     * @param path the decoded path, without the query string
     */
    CompletableFuture<AdminResponse> route(HttpMethod method, String path) {
        return switch (path) {
            case "/health" -> only(HttpMethod.GET, method, () -> now(health.get()));
            case "/metrics" -> only(HttpMethod.GET, method, () -> now(metrics.get()));
            case "/metrics/prometheus" -> only(HttpMethod.GET, method, () -> now(prometheus.get()));
            case "/admin/retry-failed" -> only(HttpMethod.POST, method, failed::retryAll);
            case "/admin/failed" -> only(HttpMethod.GET, method, failed::list);
            case "/admin/queue" -> only(HttpMethod.GET, method, () -> now(queue.get()));
            case "/admin/reload" -> only(HttpMethod.POST, method, reload::post);
            default -> path.startsWith(FAILED_ITEM_PREFIX)
                    ? failedItem(method, path.substring(FAILED_ITEM_PREFIX.length()))
                    : now(AdminResponse.notFound("no such path: " + path));
        };
    }

    /** {@code /admin/failed/{id}} (GET, DELETE) and {@code /admin/failed/{id}/retry} (POST). */
    private CompletableFuture<AdminResponse> failedItem(HttpMethod method, String rest) {
        int slash = rest.indexOf('/');
        String idText = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? null : rest.substring(slash + 1);
        // The id becomes a file name in the store: only the strict id format gets through,
        // so "..", "/" or anything percent-encoded into them is a 400 here (no path traversal).
        if (!QueueId.isValid(idText)) {
            return now(AdminResponse.error(HttpResponseStatus.BAD_REQUEST,
                    "not a queue id (16 characters, Crockford base32)"));
        }
        QueueId id = QueueId.parse(idText);
        if (action == null) {
            if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
                return failed.get(id);
            }
            if (HttpMethod.DELETE.equals(method)) {
                return failed.delete(id);
            }
            return now(AdminResponse.methodNotAllowed("GET, HEAD, DELETE"));
        }
        if (action.equals("retry")) {
            return only(HttpMethod.POST, method, () -> failed.retry(id));
        }
        return now(AdminResponse.notFound("no such path: " + FAILED_ITEM_PREFIX + rest));
    }

    /**
     * Runs the endpoint when the method is the allowed one, else 405. A GET endpoint also
     * answers HEAD (RFC 9110 section 9.3.2); the codec leaves the body out.
     */
    private static CompletableFuture<AdminResponse> only(HttpMethod allowed, HttpMethod method,
            Supplier<CompletableFuture<AdminResponse>> endpoint) {
        boolean get = HttpMethod.GET.equals(allowed);
        if (allowed.equals(method) || (get && HttpMethod.HEAD.equals(method))) {
            return endpoint.get();
        }
        return now(AdminResponse.methodNotAllowed(get ? "GET, HEAD" : allowed.name()));
    }

    private static CompletableFuture<AdminResponse> now(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
