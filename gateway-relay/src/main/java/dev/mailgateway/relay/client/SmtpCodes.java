package dev.mailgateway.relay.client;

import dev.mailgateway.core.model.DeliveryStatus;
import io.netty.handler.codec.smtp.SmtpResponse;
import java.util.List;

/** Reply classification (RFC 5321 4.2.1) and reply text for logs and the journal. */
public final class SmtpCodes {

    private SmtpCodes() {
    }

    /** 2xx delivered, 5xx failed, anything else (4xx, an unexpected 3xx) deferred. */
    public static DeliveryStatus statusOf(int code) {
        if (code >= 200 && code < 300) {
            return DeliveryStatus.DELIVERED;
        }
        if (code >= 500 && code < 600) {
            return DeliveryStatus.FAILED;
        }
        return DeliveryStatus.DEFERRED;
    }

    public static boolean isPositive(int code) {
        return code >= 200 && code < 300;
    }

    /** "550 5.1.1 No such user": the code and the reply lines joined by a space. */
    public static String text(SmtpResponse reply) {
        List<CharSequence> details = reply.details();
        if (details.isEmpty()) {
            return Integer.toString(reply.code());
        }
        if (details.size() == 1) {
            return reply.code() + " " + details.get(0);
        }
        StringBuilder sb = new StringBuilder(64).append(reply.code());
        for (CharSequence d : details) {
            sb.append(' ').append(d);
        }
        return sb.toString();
    }
}
