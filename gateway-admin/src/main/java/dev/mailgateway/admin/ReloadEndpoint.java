package dev.mailgateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgateway.core.config.ConfigReload;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /admin/reload}: the same reload as SIGHUP (which a process started under
 * {@code nohup} never receives), run on its own thread because it reads the config file.
 * 200 with the applied / need-restart keys; 422 when the new config is invalid (nothing
 * changed); 503 when the embedding gave no reload action.
 */
final class ReloadEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReloadEndpoint.class);

    private final ConfigReload reload;
    private final ExecutorService executor;

    ReloadEndpoint(ConfigReload reload) {
        this.reload = reload;
        this.executor = reload == null ? null
                : Executors.newSingleThreadExecutor(new DefaultThreadFactory("admin-reload", true));
    }

    CompletableFuture<AdminResponse> post() {
        if (reload == null) {
            return CompletableFuture.completedFuture(AdminResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "config reload is not available in this process"));
        }
        return CompletableFuture.supplyAsync(() -> {
            log.info("admin: POST /admin/reload: reloading the configuration");
            ConfigReload.Result r = reload.reload();
            ObjectNode body = AdminResponse.object();
            body.putPOJO("applied", r.applied());
            body.putPOJO("needRestart", r.needRestart());
            if (r.error() != null) {
                body.put("error", r.error());
                return AdminResponse.json(HttpResponseStatus.UNPROCESSABLE_ENTITY, body);
            }
            return AdminResponse.json(HttpResponseStatus.OK, body);
        }, executor);
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdown();
        }
    }
}
