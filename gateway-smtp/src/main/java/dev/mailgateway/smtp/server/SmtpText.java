package dev.mailgateway.smtp.server;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.text.ClientText;
import java.util.Locale;

/** Small text checks and the address masking used in log lines. */
final class SmtpText {

    private SmtpText() {
    }

    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 33 || ch == 127) {
                return true;
            }
        }
        return false;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    /** security.logAllEmails false: "j***@example.com"; escaped for a log line either way. */
    static String mask(String address, GatewayConfig config) {
        if (address.isEmpty()) {
            return "<>";
        }
        if (config.security().logAllEmails()) {
            return ClientText.log(address);
        }
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at).toLowerCase(Locale.ROOT);
        return ClientText.log((local.isEmpty() ? "" : local.substring(0, 1)) + "***" + domain);
    }
}
