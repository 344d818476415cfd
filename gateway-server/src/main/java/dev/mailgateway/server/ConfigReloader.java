package dev.mailgateway.server;

import dev.mailgateway.core.config.ConfigException;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.ConfigReload;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.ReloadableSettings;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the configuration and applies what may change at run time: what SIGHUP and
 * {@code POST /admin/reload} both do (one instance, wired by {@link Main} to both).
 *
 * <p>What is reloadable is decided by {@link ReloadableSettings} (its {@code KEYS}); every other
 * changed key (ports, hosts, emailsDir, workerCount, queueSize, tls, the other security, smtp and
 * limits keys, ...) is named in a WARN line and keeps its running value until a restart, so
 * {@code LiveConfig.current()} always describes what is actually in effect. A file or
 * environment that does not validate is logged and the running config is kept. Only key
 * names are logged, never values (they may be passwords).
 *
 * <p>Threads: {@link #reload()} is synchronized; the signal thread and the admin API's reload
 * thread call it.
 */
final class ConfigReloader implements ConfigReload {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final ConfigSource source;
    private final LiveConfig live;

    ConfigReloader(ConfigSource source, LiveConfig live) {
        this.source = source;
        this.live = live;
    }

    /** Reads the file and environment again and applies the reloadable changes. */
    @Override
    public synchronized Result reload() {
        GatewayConfig running = live.current();
        GatewayConfig next;
        try {
            next = source.load();
        } catch (ConfigException e) {
            log.error("config reload from {} failed, keeping the running config: {}",
                    source.describe(), e.getMessage());
            return Result.failed(e.getMessage());
        }
        List<String> applied = new ArrayList<>();
        List<String> needRestart = new ArrayList<>();
        for (String key : ConfigLoader.changedKeys(running, next)) {
            (ReloadableSettings.isReloadable(key) ? applied : needRestart).add(key);
        }
        if (!applied.isEmpty()) {
            GatewayConfig merged;
            try {
                merged = ReloadableSettings.apply(running, next).validateForStartup();
            } catch (ConfigException e) {
                log.error("config reload: the reloadable changes {} do not combine with the running "
                        + "config, keeping it: {}", applied, e.getMessage());
                return Result.failed(e.getMessage());
            }
            live.replace(merged);
        }
        if (applied.isEmpty() && needRestart.isEmpty()) {
            log.info("config reload from {}: no changes", source.describe());
        } else if (!applied.isEmpty()) {
            log.info("config reload from {}: applied {}", source.describe(), applied);
        }
        if (!needRestart.isEmpty()) {
            log.warn("config reload: {} changed but need a restart to take effect (not applied)",
                    needRestart);
        }
        return new Result(applied, needRestart, null);
    }
}
