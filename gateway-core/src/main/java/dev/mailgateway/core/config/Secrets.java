package dev.mailgateway.core.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;

/**
 * Which config fields are secrets, and a record {@code toString} that masks them: records print
 * every component by default, and a config ends up in logs and error reports.
 */
final class Secrets {

    static final String MASK = "****";

    private Secrets() {
    }

    /** True for a field (or the last segment of a key path) whose value must never be printed. */
    static boolean isSecret(String pathOrName) {
        String name = pathOrName.substring(pathOrName.lastIndexOf('.') + 1);
        return name.equals("defaultPassword") || name.equals("forwardPassword")
                || name.equals("password") || name.equals("token");
    }

    /** {@code ""} stays empty (so "not set" is visible); anything else becomes {@code ****}. */
    static String mask(String secret) {
        return secret == null || secret.isEmpty() ? "" : MASK;
    }

    /** The default record format, {@code Name[a=1, b=x]}, with secret components masked. */
    static String toString(Record r) {
        StringBuilder sb = new StringBuilder(r.getClass().getSimpleName()).append('[');
        RecordComponent[] components = r.getClass().getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Object value;
            try {
                value = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                value = "?";
            }
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(c.getName()).append('=')
                    .append(isSecret(c.getName()) ? mask((String) value) : value);
        }
        return sb.append(']').toString();
    }
}
