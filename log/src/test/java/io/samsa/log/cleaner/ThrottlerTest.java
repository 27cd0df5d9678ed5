package io.samsa.log.cleaner;

import io.samsa.common.ManualClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThrottlerTest {
    @Test
    void asksForPausesThatKeepTheRate() {
        ManualClock clock = new ManualClock(1_000_000);
        Throttler t = new Throttler(10_000, clock);
        long start = clock.milliseconds();
        long total = 0;
        for (int i = 0; i < 100; i++) {
            long d = t.delayFor(4096);
            total += 4096;
            clock.advance(d);
        }
        long took = clock.milliseconds() - start;
        assertTrue(took >= (total - 4096) / 10 && took <= total / 10 + 400, "took " + took + " for " + total);
    }

    @Test
    void unlimitedNeverPauses() {
        ManualClock clock = new ManualClock(0);
        Throttler t = new Throttler(Double.MAX_VALUE, clock);
        assertEquals(0, t.delayFor(Long.MAX_VALUE / 2));
        assertEquals(0, t.throttledMs());
    }
}
