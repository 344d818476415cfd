package dev.mailgateway.smtp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthFailureTrackerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AuthFailureTracker tracker = new AuthFailureTracker(() -> 3, () -> 60, now::get);

    @Test
    void blocksAnIpAtTheLimitWithinTheWindowOnly() throws Exception {
        InetAddress ip = InetAddress.getByName("192.0.2.7");
        InetAddress other = InetAddress.getByName("192.0.2.8");
        assertThat(tracker.recordFailure(ip)).isFalse();
        assertThat(tracker.recordFailure(ip)).isFalse();
        assertThat(tracker.isBlocked(ip)).isFalse();
        assertThat(tracker.recordFailure(ip)).isTrue();
        assertThat(tracker.isBlocked(ip)).isTrue();
        assertThat(tracker.isBlocked(other)).isFalse();
        now.addAndGet(61_000);
        assertThat(tracker.isBlocked(ip)).isFalse();
        assertThat(tracker.recordFailure(ip)).isFalse(); // a new window
    }
}
