package dev.mailgateway.relay;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.relay.client.UpstreamTls;
import dev.mailgateway.testkit.CloseAfterEach;
import dev.mailgateway.testkit.ScriptedUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The relay tests' one set-up: scripted upstreams on 127.0.0.1:0 and {@link RelayHarness}es,
 * all closed after each test (relays first, then upstreams):
 * {@code @RegisterExtension final RelayExtension relays = new RelayExtension();}.
 */
final class RelayExtension extends CloseAfterEach {

    /** A new scripted upstream on a free loopback port. */
    ScriptedUpstream upstream() {
        try {
            return add(new ScriptedUpstream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A started relay with these settings. */
    RelayHarness relay(RelayHarness.Settings settings) {
        return add(new RelayHarness(settings));
    }

    /** A started relay with these settings and this TLS client (null: built from the providers' levels). */
    RelayHarness relay(RelayHarness.Settings settings, UpstreamTls tls) {
        return add(new RelayHarness(settings, tls));
    }

    /** A started relay with default settings and these providers. */
    RelayHarness relay(ProviderConfig... providers) {
        return relay(settings(providers));
    }

    /** Default settings with these providers. */
    static RelayHarness.Settings settings(ProviderConfig... providers) {
        RelayHarness.Settings s = new RelayHarness.Settings();
        s.providers = List.of(providers);
        return s;
    }
}
