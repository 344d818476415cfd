package dev.mailgateway.relay.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptVerdictTest {

    private static final List<RecipientOutcome> OUTCOMES = List.of(
            new RecipientOutcome("a@x.test", DeliveryStatus.DELIVERED, "250 ok"),
            new RecipientOutcome("b@x.test", DeliveryStatus.DEFERRED, "451 later"),
            new RecipientOutcome("c@x.test", DeliveryStatus.FAILED, "550 no"));

    @Test
    void withAttemptsLeftADeferralStaysDeferred() {
        AttemptVerdict v = AttemptVerdict.of(OUTCOMES, false, " (gave up)");
        assertThat(v.journal()).isEqualTo(OUTCOMES);
        assertThat(v.failed()).containsExactly("c@x.test");
        assertThat(v.lastError()).isEqualTo("550 no");
    }

    @Test
    void exhaustedADeferralFailsWithTheReasonAppended() {
        AttemptVerdict v = AttemptVerdict.of(OUTCOMES, true, AttemptVerdict.gaveUp(false, 10, 100, 5));
        assertThat(v.journal()).extracting(RecipientOutcome::status).containsExactly(DeliveryStatus.DELIVERED,
                DeliveryStatus.FAILED, DeliveryStatus.FAILED);
        assertThat(v.journal().get(1).reply()).isEqualTo("451 later (gave up after 5 attempts)");
        assertThat(v.failed()).containsExactly("b@x.test", "c@x.test");
        assertThat(v.lastError()).isEqualTo("550 no");
        assertThat(AttemptVerdict.gaveUp(true, 200, 100, 2))
                .isEqualTo(" (gave up: undelivered for 200 s, over retry.maxAgeSec 100 s, after 2 attempt(s))");
    }

    @Test
    void whenTheFailedStoreCannotTakeThemTheFailuresAreKeptAsDeferrals() {
        AttemptVerdict v = AttemptVerdict.of(OUTCOMES, false, "");
        assertThat(v.keptForRetry()).extracting(RecipientOutcome::status).containsExactly(DeliveryStatus.DELIVERED,
                DeliveryStatus.DEFERRED, DeliveryStatus.DEFERRED);
        assertThat(AttemptVerdict.of(OUTCOMES.subList(0, 2), false, "").anyFailed()).isFalse();
    }
}
