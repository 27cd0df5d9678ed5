package io.samsa.server.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuotaRateTest {

    @Test
    void aFirstBurstIsSpreadOverTheWindowsButOne() {
        QuotaRate rate = new QuotaRate(11, 1000, 0);
        rate.record(1000, 0);
        // 0 ms elapsed counts as 10 full windows: 1000 bytes over 10 s.
        assertEquals(10_000, rate.span(0));
        assertEquals(100.0, rate.rate(0), 1e-9);
        assertEquals(0, rate.throttleMs(100, 0));
        // Over a quota of 50/s: (100 - 50) / 50 * 10 s.
        assertEquals(10_000, rate.throttleMs(50, 0));
    }

    @Test
    void throttleIsTheTimeThatBringsTheRateBackToTheQuota() {
        QuotaRate rate = new QuotaRate(11, 1000, 0);
        for (long t = 0; t < 20_000; t += 100) {
            rate.record(200, t);
        }
        // 2000 bytes/s steady; the windows cover 10.9 s once the first ones have aged out.
        long now = 19_900;
        double r = rate.rate(now);
        assertEquals(2000.0, r, 200.0);
        long throttle = rate.throttleMs(1000, now);
        assertEquals((long) ((r - 1000) / 1000 * rate.span(now)), throttle);
        // A quota half as high throttles for more than twice as long.
        assertTrue(rate.throttleMs(500, now) > 2 * throttle);
        // Waiting that long with nothing recorded brings the rate under the quota.
        assertTrue(rate.rate(now + throttle) <= 1000.0);
        assertEquals(0, rate.recordAndThrottle(0, 1000, now + throttle));
    }

    @Test
    void windowsOlderThanTheSpanAreForgotten() {
        QuotaRate rate = new QuotaRate(3, 1000, 0);
        rate.record(3000, 0);
        assertEquals(1500.0, rate.rate(0), 1e-9);
        // At 3 s the window of t=0 is older than 3 windows: the rate is back to 0.
        assertEquals(0.0, rate.rate(3000), 1e-9);
        assertEquals(0, rate.throttleMs(1, 3000));
    }

    @Test
    void tokenBucketRefusesOnlyWhileInDebt() {
        TokenBucket bucket = new TokenBucket(11, 1000);
        // Quota 2/s: a burst of 22 tokens. 30 partitions at once are admitted and leave a debt of 8.
        assertEquals(0, bucket.throttleMs(2, 0));
        bucket.record(30, 2, 0);
        assertEquals(4000, bucket.throttleMs(2, 0));
        assertEquals(1500, bucket.throttleMs(2, 2500));
        assertEquals(0, bucket.throttleMs(2, 4000));
    }
}
