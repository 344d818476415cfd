package dev.mailgateway.admin;

import dev.mailgateway.core.metrics.GatewayMetrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /metrics/prometheus}: the same Dropwizard registry as {@code /metrics}, exposed
 * with the official Prometheus client in text format 0.0.4 through {@link GatewayExposition}
 * (idiomatic names, base units, summaries with {@code _sum}, a provider label), plus the
 * client's JVM metrics.
 *
 * <p>Uses a {@link PrometheusRegistry} of its own, never the static default one, so two
 * gateways in one JVM (tests) do not share or double-register collectors.
 */
final class PrometheusEndpoint {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    PrometheusEndpoint(GatewayMetrics metrics) {
        registry.register(new GatewayExposition(metrics));
        JvmMetrics.builder().register(registry);
    }

    AdminResponse get() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return new AdminResponse(HttpResponseStatus.OK, writer.getContentType(), out.toByteArray(), Map.of());
    }
}
