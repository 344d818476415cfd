package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigReload;
import dev.mailgateway.core.health.HealthCheck;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Issue #14 point 9: POST /admin/reload runs the gateway's reload (what SIGHUP does). */
class ReloadEndpointTest {

    @Test
    void postRunsTheReloadOffTheLoopAndReportsTheKeys() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<String> thread = new AtomicReference<>();
        ConfigReload reload = () -> {
            calls.incrementAndGet();
            thread.set(Thread.currentThread().getName());
            return new ConfigReload.Result(List.of("rateLimits.maxPerHour"), List.of("smtpPort"), null);
        };
        try (AdminTestServer s = new AdminTestServer("{}", List.of(), reload)) {
            HttpResponse<String> r = s.post("/admin/reload");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(AdminTestServer.json(r).get("applied").get(0).asText()).isEqualTo("rateLimits.maxPerHour");
            assertThat(AdminTestServer.json(r).get("needRestart").get(0).asText()).isEqualTo("smtpPort");
            assertThat(calls.get()).isEqualTo(1);
            assertThat(thread.get()).startsWith("admin-reload");
            assertThat(s.get("/admin/reload").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void anInvalidConfigIs422AndNoReloadActionIs503() throws Exception {
        try (AdminTestServer s = new AdminTestServer("{}", List.of(),
                () -> ConfigReload.Result.failed("rateLimits.maxPerHour must be > 0, got 0"))) {
            HttpResponse<String> r = s.post("/admin/reload");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(AdminTestServer.json(r).get("error").asText()).contains("rateLimits.maxPerHour");
        }
        try (AdminTestServer s = new AdminTestServer()) {
            assertThat(s.post("/admin/reload").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void reloadNeedsTheTokenLikeEveryAdminPath() throws Exception {
        try (AdminTestServer s = new AdminTestServer("{\"admin\": {\"token\": \"t0ken\"}}", List.of(),
                () -> new ConfigReload.Result(List.of(), List.of(), null))) {
            assertThat(s.post("/admin/reload").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void healthShowsTheDetailsOfAHealthCheck_providersAndTheirTlsLevel() throws Exception {
        HealthCheck relay = new HealthCheck() {
            @Override
            public List<String> problems() {
                return List.of();
            }

            @Override
            public Map<String, Object> details() {
                return Map.of("providers", List.of(Map.of("address", "smtp.example.com:587",
                        "tlsLevel", "verify", "tls", "TLSv1.3, certificate verified")));
            }
        };
        try (AdminTestServer s = new AdminTestServer("{}", List.of(relay))) {
            HttpResponse<String> r = s.get("/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(AdminTestServer.json(r).at("/details/providers/0/tlsLevel").asText()).isEqualTo("verify");
        }
    }
}
