package dev.mailgateway.relay.client;

/**
 * Why an upstream conversation failed, as a value the relay acts on. {@link Kind#isProviderFault()}
 * kinds (connect, greeting, EHLO, STARTTLS, AUTH) trip the provider's circuit breaker; the others
 * are about this connection or this message.
 */
public final class UpstreamException extends Exception {

    /** The phase that failed. */
    public enum Kind {
        /** TCP connect or TLS handshake of an implicit-TLS port failed or timed out. */
        CONNECT(true),
        /** The greeting was not 220, or did not come in time. */
        GREETING(true),
        /** EHLO and HELO both refused. */
        EHLO(true),
        /** STARTTLS refused, or required by config and not offered, or its handshake failed. */
        STARTTLS(true),
        /** AUTH refused or no usable mechanism. */
        AUTH(true),
        /** A command or end-of-data reply did not come within its timeout. */
        TIMEOUT(false),
        /** The connection closed (or broke) while replies were pending. */
        CLOSED(false);

        private final boolean providerFault;

        Kind(boolean providerFault) {
            this.providerFault = providerFault;
        }

        public boolean isProviderFault() {
            return providerFault;
        }
    }

    private final Kind kind;
    private final int repliesReceived;

    public UpstreamException(Kind kind, String message) {
        this(kind, message, 0);
    }

    public UpstreamException(Kind kind, String message, int repliesReceived) {
        super(message, null, false, false);
        this.kind = kind;
        this.repliesReceived = repliesReceived;
    }

    public Kind kind() {
        return kind;
    }

    /** Replies that did arrive for the command group before it failed (0 = none at all). */
    public int repliesReceived() {
        return repliesReceived;
    }
}
