package dev.mailgateway.core.config;

import java.util.List;

/**
 * Re-reads the configuration and applies what may change at run time: what SIGHUP does, offered
 * to other modules (the admin API's {@code POST /admin/reload}) without them knowing the server
 * module. Implementations are thread-safe and may block (they read the config file): call them
 * off the event loops.
 */
@FunctionalInterface
public interface ConfigReload {

    /** What a reload did: keys applied, keys that need a restart, or the error (then nothing changed). */
    record Result(List<String> applied, List<String> needRestart, String error) {

        public Result {
            applied = List.copyOf(applied);
            needRestart = List.copyOf(needRestart);
        }

        public static Result failed(String error) {
            return new Result(List.of(), List.of(), error);
        }
    }

    Result reload();
}
