package dev.mailgateway.relay.client;

import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.Envelope;

/**
 * The RFC 3461 parameters a message arrived with, passed on to an upstream that advertises DSN
 * ({@code RET}/{@code ENVID} on MAIL, {@code NOTIFY}/{@code ORCPT} on RCPT) and dropped for one
 * that does not (RFC 3461 4.1-4.4 and section 5.2's "relay" rules; Postfix does the same).
 * The values were validated when the client sent them.
 */
final class DsnParameters {

    private DsnParameters() {
    }

    static void appendMail(StringBuilder mail, Envelope envelope, UpstreamCapabilities caps) {
        Dsn d = envelope.dsn();
        if (!caps.dsn() || d.isEmpty()) {
            return;
        }
        if (!d.ret().isEmpty()) {
            mail.append(" RET=").append(d.ret());
        }
        if (!d.envId().isEmpty()) {
            mail.append(" ENVID=").append(d.envId());
        }
    }

    /** " NOTIFY=… ORCPT=…" for this recipient, or "". */
    static String rcpt(Envelope envelope, String recipient, UpstreamCapabilities caps) {
        Dsn d = envelope.dsn();
        if (!caps.dsn() || d.notifies().isEmpty() && d.orcpt().isEmpty()) {
            return "";
        }
        int i = envelope.recipients().indexOf(recipient);
        if (i < 0) {
            return "";
        }
        String notify = d.notifyOf(i);
        String orcpt = d.orcptOf(i);
        StringBuilder sb = new StringBuilder();
        if (!notify.isEmpty()) {
            sb.append(" NOTIFY=").append(notify);
        }
        if (!orcpt.isEmpty()) {
            sb.append(" ORCPT=").append(orcpt);
        }
        return sb.toString();
    }
}
