package dev.mailgateway.server;

import dev.mailgateway.core.config.ConfigException;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the configuration comes from, fixed once at start-up so a reload (SIGHUP) reads the
 * same file and environment: {@code --config PATH}, else {@code $CONFIG_FILE}, else
 * {@code config.json} in the working directory, else the built-in defaults. Environment
 * variables override the file in every case.
 *
 * <p>A file named explicitly (flag or {@code CONFIG_FILE}) must exist; only the implicit
 * {@code ./config.json} may be absent.
 */
final class ConfigSource {

    static final String CONFIG_FILE_ENV = "CONFIG_FILE";
    static final String DEFAULT_FILE = "config.json";

    private final Path file;
    private final String origin;
    private final Map<String, String> env;

    private ConfigSource(Path file, String origin, Map<String, String> env) {
        this.file = file == null ? null : file.toAbsolutePath().normalize();
        this.origin = origin;
        this.env = Map.copyOf(env);
    }

    /**
     * Resolves the source.
     *
     * @param explicit the {@code --config} argument, or null
     * @param env      the process environment
     * @param workDir  the directory relative paths are resolved against
     */
    static ConfigSource resolve(Path explicit, Map<String, String> env, Path workDir) {
        if (explicit != null) {
            return new ConfigSource(workDir.resolve(explicit), "--config", env);
        }
        String fromEnv = env.get(CONFIG_FILE_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new ConfigSource(workDir.resolve(fromEnv.trim()), CONFIG_FILE_ENV, env);
        }
        Path implicit = workDir.resolve(DEFAULT_FILE);
        if (Files.exists(implicit)) {
            return new ConfigSource(implicit, "./" + DEFAULT_FILE, env);
        }
        return new ConfigSource(null, "built-in defaults", env);
    }

    /**
     * Reads and validates the configuration (also the start-up combination checks).
     *
     * @throws ConfigException naming the key or file and what was expected
     */
    GatewayConfig load() {
        if (file != null) {
            if (!Files.exists(file)) {
                throw new ConfigException("config file " + file + " (from " + origin
                        + ") does not exist");
            }
            if (Files.isDirectory(file)) {
                throw new ConfigException("config file " + file + " (from " + origin
                        + ") is a directory, not a file (a Docker volume with no file mounted?)");
            }
        }
        return ConfigLoader.load(file, env).config().validateForStartup();
    }

    /** The file read, or null when running on built-in defaults. */
    Path file() {
        return file;
    }

    /** For the start-up log: "/app/config.json (from CONFIG_FILE)" or "built-in defaults (...)". */
    String describe() {
        if (file == null) {
            return "built-in defaults (no --config, no " + CONFIG_FILE_ENV + ", no ./" + DEFAULT_FILE
                    + ") plus environment overrides";
        }
        return file + " (from " + origin + ") plus environment overrides";
    }
}
