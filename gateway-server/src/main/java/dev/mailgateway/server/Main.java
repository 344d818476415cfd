package dev.mailgateway.server;

import ch.qos.logback.classic.LoggerContext;
import dev.mailgateway.core.config.ConfigException;
import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.util.FatalErrors;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher: {@code java -jar mail-gateway.jar [--config PATH] [--check-config]},
 * {@code healthcheck}, {@code --help}, {@code --version}.
 *
 * <p>Exit codes: 0 success (or a graceful stop), 1 unhealthy / could not start, 2 usage or
 * configuration error (the message only, never a stack trace).
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int CONFIG_ERROR = 2;

    static final String USAGE = """
            Usage: java -jar mail-gateway.jar [--config PATH]           run the gateway
                   java -jar mail-gateway.jar [--config PATH] --check-config
                   java -jar mail-gateway.jar [--config PATH] healthcheck
                   java -jar mail-gateway.jar --help | --version

              --config PATH    JSON config file (comments allowed). Default: $CONFIG_FILE, else
                               ./config.json, else built-in defaults. Environment variables
                               override every key (smtpPort -> SMTP_PORT, rateLimits.maxPerHour
                               -> RATE_LIMITS_MAX_PER_HOUR, ...).
              --check-config   print the effective configuration as JSON, passwords masked;
                               exit 0, or print the errors and exit 2
              healthcheck      GET /health on the admin port: exit 0 when "ok", 1 otherwise
              --help           this text
              --version        the gateway's version

            Signals: TERM/INT stop gracefully (again: exit at once); HUP reloads the config.
            Log level: LOG_LEVEL=DEBUG (environment) or -DLOG_LEVEL=DEBUG.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        // as -XX:+ExitOnOutOfMemoryError, also for a plain java -jar start (docs/operations.md)
        FatalErrors.installDefaultHandler();
        // a halt (OutOfMemoryError, a second SIGTERM) skips logback's shutdown hook: drain the
        // async appender first (bounded by its maxFlushTime, 1 s) so the line saying why is kept
        FatalErrors.beforeHalt(() -> {
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logs) {
                logs.stop();
            }
        });
        int code = execute(args, System.getenv(), Path.of(""), System.out, System.err);
        System.exit(code);
    }

    /**
     * Runs one command. For RUN this blocks until the gateway was stopped by a signal.
     *
     * @param workDir the directory relative paths ({@code --config}, {@code CONFIG_FILE},
     *                {@code ./config.json}) are resolved against
     * @return the process exit code
     */
    static int execute(String[] args, Map<String, String> env, Path workDir,
                       PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (Arguments.UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return CONFIG_ERROR;
        }
        switch (arguments.command()) {
            case HELP -> {
                out.print(USAGE);
                return OK;
            }
            case VERSION -> {
                out.println("mail-gateway " + version());
                return OK;
            }
            default -> {
                // below
            }
        }
        ConfigSource source = ConfigSource.resolve(arguments.configFile(), env, workDir);
        GatewayConfig config;
        try {
            config = source.load();
        } catch (ConfigException e) {
            err.println("config error: " + e.getMessage());
            return CONFIG_ERROR;
        }
        return switch (arguments.command()) {
            case CHECK_CONFIG -> {
                out.println(ConfigLoader.toMaskedJson(config));
                err.println("config OK: " + source.describe());
                yield OK;
            }
            case HEALTHCHECK -> HealthProbe.run(config, HealthProbe.DEFAULT_TIMEOUT, out, err);
            default -> runGateway(config, source, err);
        };
    }

    /** Starts the gateway and waits for TERM/INT. */
    private static int runGateway(GatewayConfig config, ConfigSource source, PrintStream err) {
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("mail-gateway {} starting (pid {}, Java {})", version(),
                ProcessHandle.current().pid(), Runtime.version());
        if (!java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:+ExitOnOutOfMemoryError")) {
            // the Docker image passes the flag; a plain java -jar start relies on FatalErrors
            log.info("started without -XX:+ExitOnOutOfMemoryError: an OutOfMemoryError the gateway sees "
                    + "ends the process with one ERROR line (exit 3)");
        }
        Gateway gateway;
        try {
            gateway = new Gateway(config, source.describe());
        } catch (ConfigException e) {
            err.println("config error: " + e.getMessage());
            return CONFIG_ERROR;
        } catch (RuntimeException e) {
            // e.g. the spool directory is locked by another gateway, or cannot be created:
            // the message says what is wrong; the stack trace is for DEBUG only
            log.error("cannot start: {}", e.getMessage());
            log.debug("cannot start", e);
            return FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // a TERM during start() waits for it to finish, then stops: never close half-started
        CountDownLatch startFinished = new CountDownLatch(1);
        Runnable stop = () -> {
            try {
                startFinished.await();
                gateway.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                gateway.close();
            } finally {
                stopped.countDown();
            }
        };
        ConfigReloader reloader = new ConfigReloader(source, gateway.liveConfig());
        Signals signals = Signals.install(stop, reloader::reload);
        gateway.reloadWith(reloader); // POST /admin/reload: the same reload, also without SIGHUP (nohup)
        // System.exit from elsewhere, or TERM/INT when their handlers could not be installed
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "shutdown-hook"));
        try {
            gateway.start();
        } catch (ConfigException e) {
            signals.markStopping();
            gateway.close();
            err.println("config error: " + e.getMessage());
            return CONFIG_ERROR;
        } catch (RuntimeException e) {
            signals.markStopping();
            log.error("cannot start: {}", e.getMessage());
            log.debug("cannot start", e);
            gateway.close();
            return FAILED;
        } finally {
            startFinished.countDown();
        }
        log.info("mail-gateway {} started", version());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gateway.close();
        }
        return OK;
    }

    /** Implementation-Version from the jar manifest. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "unknown (not run from the jar)" : v;
    }
}
