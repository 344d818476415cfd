package dev.mailgateway.core.config;

/**
 * A configuration error a user can fix: the message names the key (or environment variable)
 * and what was expected. The launcher prints it without a stack trace and exits 2.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
