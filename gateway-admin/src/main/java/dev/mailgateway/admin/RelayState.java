package dev.mailgateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.queue.Dispatcher;
import java.util.List;
import java.util.Map;

/**
 * Where undelivered mail waits and each provider's state, for {@code /metrics} and
 * {@code /admin/queue}: {@code dispatch_window} (in the workers' queues), {@code waiting_on_disk}
 * (spooled, waiting for a slot in the window), {@code waiting_for_provider} (held by workers
 * because no provider is up) and {@code providers} (address, state up|down, downSince,
 * nextProbe, reason). The relay registers the last two as gauges; absent in local mode or
 * before the relay started they are null / empty.
 */
final class RelayState {

    private RelayState() {
    }

    static void put(ObjectNode body, GatewayMetrics metrics, Dispatcher dispatcher) {
        body.put("dispatch_window", dispatcher.depth());
        body.put("waiting_on_disk", dispatcher.overflowSize());
        Object waiting = metrics.gaugeValue(MetricNames.WAITING_PROVIDER);
        if (waiting instanceof Number n) {
            body.put("waiting_for_provider", n.longValue());
        } else {
            body.putNull("waiting_for_provider");
        }
        ArrayNode providers = body.putArray("providers");
        if (metrics.gaugeValue(MetricNames.PROVIDERS) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    ObjectNode p = providers.addObject();
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (e.getValue() == null) {
                            p.putNull(String.valueOf(e.getKey()));
                        } else {
                            p.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                        }
                    }
                }
            }
        }
    }
}
