package dev.mailgateway.server;

import java.nio.file.Path;

/**
 * The parsed command line: what to do and which config file was named with {@code --config}.
 *
 * @param command    what to do
 * @param configFile the {@code --config} argument, or null when none was given
 */
record Arguments(Command command, Path configFile) {

    /** The launcher's commands. */
    enum Command {
        /** Run the gateway until TERM/INT. */
        RUN,
        /** Print the effective configuration (passwords masked), exit 0 or 2. */
        CHECK_CONFIG,
        /** GET /health on the admin port, exit 0 when "ok", 1 otherwise. */
        HEALTHCHECK,
        HELP,
        VERSION
    }

    /** A command line the launcher does not understand: usage on stderr, exit 2. */
    static final class UsageException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code [healthcheck] [--config PATH | --config=PATH] [--check-config] [--help]
     * [--version]}. {@code --help} and {@code --version} win over anything else.
     *
     * @throws UsageException for an unknown argument, a missing value or a conflict
     */
    static Arguments parse(String[] args) {
        Command command = Command.RUN;
        Path config = null;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--version", "-V" -> version = true;
                case "--check-config" -> command = exclusive(command, Command.CHECK_CONFIG, a);
                case "healthcheck" -> command = exclusive(command, Command.HEALTHCHECK, a);
                case "--config", "-c" -> {
                    if (i + 1 >= args.length || args[i + 1].isEmpty()) {
                        throw new UsageException(a + " needs a file path");
                    }
                    config = onlyOnce(config, args[++i]);
                }
                default -> {
                    if (a.startsWith("--config=") && a.length() > "--config=".length()) {
                        config = onlyOnce(config, a.substring("--config=".length()));
                    } else {
                        throw new UsageException("unknown argument \"" + a + "\"");
                    }
                }
            }
        }
        if (help) {
            return new Arguments(Command.HELP, config);
        }
        if (version) {
            return new Arguments(Command.VERSION, config);
        }
        return new Arguments(command, config);
    }

    private static Command exclusive(Command current, Command next, String arg) {
        if (current != Command.RUN && current != next) {
            throw new UsageException(arg + " cannot be combined with " + current.name()
                    .toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        return next;
    }

    private static Path onlyOnce(Path current, String value) {
        if (current != null) {
            throw new UsageException("--config given twice");
        }
        return Path.of(value);
    }
}
