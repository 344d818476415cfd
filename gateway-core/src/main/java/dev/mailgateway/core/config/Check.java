package dev.mailgateway.core.config;

/** Small validation helpers used by the config records' compact constructors. */
final class Check {

    private Check() {
    }

    static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key + " must be a non-empty string, got "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        return value;
    }

    static void port(String key, int value) {
        if (value < 1 || value > 65535) {
            throw new ConfigException(key + " must be a port number 1-65535, got " + value);
        }
    }

    /** A listening port: 1-65535, or 0 for "any free port" (used by tests). */
    static void listenPort(String key, int value) {
        if (value < 0 || value > 65535) {
            throw new ConfigException(key + " must be a port number 1-65535 (0 = any free port), got "
                    + value);
        }
    }

    static void positive(String key, long value) {
        if (value <= 0) {
            throw new ConfigException(key + " must be > 0, got " + value);
        }
    }

    static void nonNegative(String key, long value) {
        if (value < 0) {
            throw new ConfigException(key + " must be >= 0, got " + value);
        }
    }

    static void atLeast(String key, double value, double min) {
        if (value < min) {
            throw new ConfigException(key + " must be >= " + min + ", got " + value);
        }
    }
}
