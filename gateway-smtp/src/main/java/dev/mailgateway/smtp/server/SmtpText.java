package dev.mailgateway.smtp.server;

/** Small text checks. */
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
}
