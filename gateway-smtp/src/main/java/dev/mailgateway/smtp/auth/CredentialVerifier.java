package dev.mailgateway.smtp.auth;

import dev.mailgateway.core.config.ReloadableSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;

/**
 * Checks SMTP AUTH credentials against {@code defaultUsername}/{@code defaultPassword} of the
 * current reloadable settings (a reload applies at once). The comparison takes the same time whatever
 * the input: both sides are hashed to fixed length and compared with
 * {@link MessageDigest#isEqual}, user and password both, without short-circuit.
 * Nothing here logs.
 */
public final class CredentialVerifier {

    private final Supplier<ReloadableSettings> config;

    public CredentialVerifier(Supplier<ReloadableSettings> config) {
        this.config = config;
    }

    /** True when inbound credentials are configured (AUTH is offered). */
    public boolean configured() {
        return config.get().hasInboundCredentials();
    }

    public boolean verify(String user, byte[] password) {
        ReloadableSettings c = config.get();
        if (!c.hasInboundCredentials() || user == null || password == null) {
            return false;
        }
        boolean userOk = MessageDigest.isEqual(sha256(user.getBytes(StandardCharsets.UTF_8)),
                sha256(c.defaultUsername().getBytes(StandardCharsets.UTF_8)));
        boolean passOk = MessageDigest.isEqual(sha256(password),
                sha256(c.defaultPassword().getBytes(StandardCharsets.UTF_8)));
        return userOk & passOk;
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
