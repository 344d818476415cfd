package dev.mailgateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.health.HealthCheck;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.Spool;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /health}: the spec's document (section 3). "ok" with 200 when no
 * {@link HealthCheck} reports a problem; "degraded" with 503 and {@code details.problems}
 * otherwise, so a container health check or load balancer needs only the status code.
 * Everything it reads is in memory; it runs on the admin event loop.
 */
final class HealthEndpoint {

    private static final Logger log = LoggerFactory.getLogger(HealthEndpoint.class);

    private final GatewayMetrics metrics;
    private final Spool spool;
    private final FailedStore failedStore;
    private final List<HealthCheck> checks;
    private final Clock clock;

    HealthEndpoint(GatewayMetrics metrics, Spool spool, FailedStore failedStore,
            List<HealthCheck> checks, Clock clock) {
        this.metrics = metrics;
        this.spool = spool;
        this.failedStore = failedStore;
        this.checks = List.copyOf(checks);
        this.clock = clock;
    }

    AdminResponse get() {
        List<String> problems = problems();
        long delivered = metrics.count(MetricNames.EMAILS_DELIVERED);
        long failed = metrics.count(MetricNames.EMAILS_FAILED);

        ObjectNode details = AdminResponse.object()
                .put("disk_space_available_mb", spool.freeDiskMb())
                .put("queued_emails", spool.liveCount())
                .put("failed_emails", failedStore.count())
                .put("total_emails_processed", delivered + failed)
                .put("success_rate", successRate(delivered, failed));
        for (HealthCheck check : checks) {
            try {
                check.details().forEach((k, v) -> details.set(k, AdminResponse.MAPPER.valueToTree(v)));
            } catch (RuntimeException e) {
                log.warn("admin: health check {} details threw", check.getClass().getName(), e);
            }
        }
        if (!problems.isEmpty()) {
            ArrayNode list = details.putArray("problems");
            problems.forEach(list::add);
        }
        ObjectNode body = AdminResponse.object()
                .put("status", problems.isEmpty() ? "ok" : "degraded")
                .put("timestamp", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        body.set("details", details);
        return AdminResponse.json(problems.isEmpty()
                ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    /**
     * Percent of the messages that reached a final outcome which were delivered, rounded down
     * to one decimal (so any failure shows below 100.0); 100.0 before anything was processed.
     */
    static double successRate(long delivered, long failed) {
        long processed = delivered + failed;
        if (processed == 0) {
            return 100.0;
        }
        return (delivered * 1000 / processed) / 10.0; // integer division rounds down
    }

    private List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (HealthCheck check : checks) {
            try {
                problems.addAll(check.problems());
            } catch (RuntimeException e) {
                // a broken check must not hide the others, nor report healthy
                log.warn("admin: health check {} threw", check.getClass().getName(), e);
                problems.add("health check " + check.getClass().getSimpleName() + " failed: " + e);
            }
        }
        return problems;
    }
}
