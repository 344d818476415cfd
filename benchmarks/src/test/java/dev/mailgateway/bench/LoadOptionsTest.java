package dev.mailgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void parsesEveryOption() {
        LoadOptions o = LoadOptions.parse("--host", "::1", "--port", "2600", "-c", "7", "-m", "1_000",
                "-s", "65536", "-r", "20", "-k", "5", "--user", "u", "--pass", "p", "-d", "12",
                "--rate", "250.5", "--reply-timeout", "3");
        assertThat(o.host()).isEqualTo("::1");
        assertThat(o.port()).isEqualTo(2600);
        assertThat(o.concurrency()).isEqualTo(7);
        assertThat(o.messages()).isEqualTo(1000);
        assertThat(o.messageBytes()).isEqualTo(65536);
        assertThat(o.recipients()).isEqualTo(20);
        assertThat(o.messagesPerConnection()).isEqualTo(5);
        assertThat(o.auth()).isTrue();
        assertThat(o.durationSec()).isEqualTo(12);
        assertThat(o.ratePerSec()).isEqualTo(250.5);
        assertThat(o.replyTimeoutSec()).isEqualTo(3);
        assertThat(o.idleMode()).isFalse();
        assertThat(o.toString()).doesNotContain("p,").contains("auth=true");
    }

    @Test
    void defaultsAreBounded() {
        LoadOptions o = LoadOptions.parse();
        assertThat(o.messages()).isEqualTo(10_000);
        assertThat(o.durationSec()).isEqualTo(300);
        assertThat(o.messagesPerConnection()).isEqualTo(1);
    }

    @Test
    void rejectsOutOfRangeValuesNamingTheOption() {
        assertThatThrownBy(() -> LoadOptions.parse("-c", "0")).hasMessageContaining("--connections");
        assertThatThrownBy(() -> LoadOptions.parse("-m", "0")).hasMessageContaining("--messages");
        assertThatThrownBy(() -> LoadOptions.parse("-d", "100000")).hasMessageContaining("--duration");
        assertThatThrownBy(() -> LoadOptions.parse("-s", "10")).hasMessageContaining("--size");
        assertThatThrownBy(() -> LoadOptions.parse("--rate", "-1")).hasMessageContaining("--rate");
        assertThatThrownBy(() -> LoadOptions.parse("--port", "x")).hasMessageContaining("integer");
        assertThatThrownBy(() -> LoadOptions.parse("--bogus", "1")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> LoadOptions.parse("-c")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> LoadOptions.parse("--user", "u")).hasMessageContaining("--pass");
    }

    @Test
    void refusesNonLoopbackTargetsUnlessAllowed() throws Exception {
        assertThatThrownBy(() -> LoadOptions.parse("--host", "192.0.2.1").resolveTarget())
                .hasMessageContaining("non-loopback");
        assertThat(LoadOptions.parse("--host", "192.0.2.1", "--allow-remote").resolveTarget()
                .getHostAddress()).isEqualTo("192.0.2.1");
        assertThat(LoadOptions.parse("--host", "127.0.0.2").resolveTarget().isLoopbackAddress()).isTrue();
        assertThat(LoadOptions.parse("--host", "::1").resolveTarget().isLoopbackAddress()).isTrue();
    }
}
