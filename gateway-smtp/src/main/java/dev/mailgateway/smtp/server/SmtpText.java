package dev.mailgateway.smtp.server;

import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.core.config.GatewayConfig;

/** Small text checks, and the session's way to {@link LogAddress}. */
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

    /** security.logAllEmails false: "j***@example.com" ({@link LogAddress}); escaped either way. */
    static String mask(String address, GatewayConfig config) {
        return LogAddress.of(address, config.security().logAllEmails());
    }
}
