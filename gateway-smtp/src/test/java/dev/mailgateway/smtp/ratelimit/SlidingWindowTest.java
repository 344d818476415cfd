package dev.mailgateway.smtp.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlidingWindowTest {

    @Test
    void sumsTheBucketsInTheWindowAndDropsOlderOnes() {
        SlidingWindow w = new SlidingWindow(4, 1000); // 4 s window (+ the current bucket)
        w.add(10_000, 1);
        w.add(11_500, 2);
        assertThat(w.sum(11_999)).isEqualTo(3);
        assertThat(w.sum(14_999)).isEqualTo(3);
        assertThat(w.sum(15_000)).isEqualTo(2); // the 10 s bucket left
        assertThat(w.sum(16_000)).isZero();
        assertThat(w.sum(1_000_000)).isZero();
    }

    @Test
    void retryAfterIsWhenEnoughOldBucketsLeave() {
        SlidingWindow w = new SlidingWindow(4, 1000);
        w.add(10_000, 1);
        w.add(12_000, 1);
        assertThat(w.millisUntilBelow(12_500, 2, 0)).isEqualTo(2_500); // the 10 s bucket leaves at 15 s
        assertThat(w.millisUntilBelow(12_500, 1, 0)).isEqualTo(4_500); // both must leave: 17 s
    }
}
