package dev.mailgateway.smtp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthFailureTrackerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AuthFailureTracker tracker = new AuthFailureTracker(() -> 3, () -> 60, now::get);

    @Test
    void blocksAUserNameFromAnAddressAtTheLimitWithinTheWindowOnly() throws Exception {
        InetAddress ip = InetAddress.getByName("192.0.2.7");
        InetAddress other = InetAddress.getByName("192.0.2.8");
        assertThat(tracker.recordFailure(ip, "app1")).isFalse();
        assertThat(tracker.recordFailure(ip, "app1")).isFalse();
        assertThat(tracker.isBlocked(ip, "app1")).isFalse();
        assertThat(tracker.recordFailure(ip, "APP1")).isTrue(); // user names compared case-insensitively
        assertThat(tracker.isBlocked(ip, "app1")).isTrue();
        assertThat(tracker.isBlocked(ip, "app2")).as("another app on the same host").isFalse();
        assertThat(tracker.isBlocked(ip)).isFalse();
        assertThat(tracker.isBlocked(other, "app1")).isFalse();
        now.addAndGet(61_000);
        assertThat(tracker.isBlocked(ip, "app1")).isFalse();
        assertThat(tracker.recordFailure(ip, "app1")).isFalse(); // a new window
    }

    @Test
    void blocksTheWholeAddressAtFourTimesTheLimit_manyUserNames() throws Exception {
        InetAddress ip = InetAddress.getByName("192.0.2.9");
        for (int i = 0; i < 11; i++) {
            assertThat(tracker.recordFailure(ip, "guess" + i)).as("failure %d", i + 1).isFalse();
        }
        assertThat(tracker.isBlocked(ip)).isFalse();
        assertThat(tracker.recordFailure(ip, "guess11")).as("12th = 4 x 3").isTrue();
        assertThat(tracker.isBlocked(ip)).isTrue();
        assertThat(tracker.isBlocked(ip, "fresh-user")).isTrue();
        now.addAndGet(61_000);
        assertThat(tracker.isBlocked(ip, "fresh-user")).isFalse();
    }
}
