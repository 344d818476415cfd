package dev.mailgateway.core.util;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one general-purpose JSON mapper (admin answers, the health probe, config trees for reload
 * and the key catalogue): Jackson's defaults plus the modules on the class path (java.time), and
 * an empty bean written as {@code {}}. Thread-safe once built. Reading a config file uses
 * {@code ConfigLoader}'s own strict mapper instead (comments allowed, duplicates, unknown keys and
 * coercions refused), which must not apply to the rest.
 */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder()
            .findAndAddModules()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {
    }
}
