package dev.mailgateway.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueIdTest {

    @Test
    void generatedIdsAreWellFormedAndUnique() {
        QueueIdGenerator gen = new QueueIdGenerator();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            QueueId id = gen.next();
            assertThat(QueueId.isValid(id.value())).isTrue();
            assertThat(seen.add(id.value())).isTrue();
        }
    }

    @Test
    void idsSortByAcceptTime() {
        QueueId earlier = new QueueIdGenerator(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC)).next();
        QueueId later = new QueueIdGenerator(Clock.fixed(Instant.parse("2026-01-01T00:00:00.001Z"), ZoneOffset.UTC)).next();
        // a fresh generator starts its counter at random: the time prefix alone must order them
        assertThat(later).isGreaterThan(earlier);
    }

    @Test
    void twoGeneratorsAtTheSameMillisecondDoNotCollide() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        // the random counter seed is what keeps ids unique across restarts
        assertThat(new QueueIdGenerator(clock).next()).isNotEqualTo(new QueueIdGenerator(clock).next());
    }

    @Test
    void rejectsAnythingThatIsNotAnId() {
        for (String bad : new String[] {null, "", "../../etc/passwd", "0123456789abcdef",
                "0123456789ABCDEI", "0123456789ABCDEU", "0123456789ABCDE", "0123456789ABCDEFG",
                "0123456789ABCDE/"}) {
            assertThat(QueueId.isValid(bad)).as(String.valueOf(bad)).isFalse();
            assertThatThrownBy(() -> QueueId.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(QueueId.parse("0123456789ABCDEF").value()).isEqualTo("0123456789ABCDEF");
    }
}
