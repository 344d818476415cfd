package dev.mailgateway.core.model;

import java.util.List;

/**
 * The Delivery Status Notification parameters of a transaction (RFC 3461), kept with the
 * envelope so the relay can pass them to an upstream that advertises DSN.
 *
 * @param ret    {@code RET=} of MAIL FROM: "FULL", "HDRS" or "" when not given (section 4.3)
 * @param envId  {@code ENVID=} of MAIL FROM as the client sent it (xtext), or "" (section 4.4)
 * @param notifies per recipient, in the envelope's order: {@code NOTIFY=} as sent
 *               ("NEVER", "SUCCESS,FAILURE", ...) or ""; empty list = no recipient had one
 * @param orcpt  per recipient: {@code ORCPT=} as sent ("rfc822;a@b", xtext) or ""; empty list = none
 */
public record Dsn(String ret, String envId, List<String> notifies, List<String> orcpt) {

    /** No DSN parameters at all. */
    public static final Dsn NONE = new Dsn("", "", List.of(), List.of());

    public Dsn {
        ret = ret == null ? "" : ret;
        envId = envId == null ? "" : envId;
        notifies = notifies == null ? List.of() : List.copyOf(notifies);
        orcpt = orcpt == null ? List.of() : List.copyOf(orcpt);
    }

    /** True when no parameter was given. */
    public boolean isEmpty() {
        return ret.isEmpty() && envId.isEmpty() && notifies.stream().allMatch(String::isEmpty)
                && orcpt.stream().allMatch(String::isEmpty);
    }

    /** NOTIFY of recipient {@code index}, or "". */
    public String notifyOf(int index) {
        return index < notifies.size() ? notifies.get(index) : "";
    }

    /** ORCPT of recipient {@code index}, or "". */
    public String orcptOf(int index) {
        return index < orcpt.size() ? orcpt.get(index) : "";
    }
}
