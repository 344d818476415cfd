package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.testkit.InMemorySpool;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One router for all cases (PER_CLASS): building the Prometheus JVM collectors per case is slow. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminRouterTest {

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final InMemorySpool spool = new InMemorySpool();
    private final InMemoryFailedStore failed = new InMemoryFailedStore();
    private final Dispatcher dispatcher = new Dispatcher(1, 1);
    private final AdminRouter router = new AdminRouter(
            new HealthEndpoint(metrics, spool, failed, List.of(), Clock.systemUTC()),
            new MetricsEndpoint(metrics, spool, dispatcher, failed),
            new PrometheusEndpoint(metrics),
            new FailedEndpoint(failed, failed::retryAll),
            new QueueEndpoint(metrics, spool, dispatcher, failed, Clock.systemUTC()));

    @AfterAll
    void stop() {
        failed.close();
    }

    private AdminResponse route(String method, String path) throws Exception {
        return router.route(HttpMethod.valueOf(method), path).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "GET, /health, 200",
        "HEAD, /health, 200",
        "GET, /metrics, 200",
        "GET, /metrics/prometheus, 200",
        "POST, /admin/retry-failed, 200",
        "GET, /admin/failed, 200",
        "GET, /admin/queue, 200",
        "GET, /admin/failed/0000000000000000, 404",
        "DELETE, /admin/failed/0000000000000000, 404",
        "POST, /admin/failed/0000000000000000/retry, 404",
        "GET, /admin/failed/not-an-id, 400",
        "GET, /admin/failed/, 400",
        "GET, /admin/failed/../../etc/passwd, 400",
        "GET, /admin/failed/0000000000000000/other, 404",
        "PUT, /health, 405",
        "GET, /admin/retry-failed, 405",
        "PATCH, /admin/failed/0000000000000000, 405",
        "GET, /admin/failed/0000000000000000/retry, 405",
        "GET, /, 404",
        "GET, /healthz, 404",
        "GET, /admin, 404",
    })
    void routesMethodAndPath(String method, String path, int status) throws Exception {
        AdminResponse r = route(method, path);
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.contentType()).isNotEmpty();
        if (status == 405) {
            assertThat(r.headers()).containsKey("Allow");
        }
    }

    @Test
    void errorsAreTheOneJsonShape() throws Exception {
        AdminResponse r = route("GET", "/nope");
        assertThat(r.contentType()).isEqualTo(AdminResponse.JSON);
        assertThat(AdminTestServer.JSON.readTree(r.body()).fieldNames()).toIterable().containsExactly("error");
    }
}
