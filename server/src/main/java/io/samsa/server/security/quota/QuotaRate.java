package io.samsa.server.security.quota;

/**
 * A rate measured over {@code quota.window.num} windows of {@code quota.window.size.seconds} each, as Kafka measures
 * client quotas: values are added to the current window; a window older than the whole span is forgotten; the rate
 * is the sum of the windows over the time they cover, counted as at least {@code num - 1} full windows so that one
 * early burst does not read as a huge rate. When a value takes the rate above the quota, the client is throttled
 * for the time that brings it back to the quota: {@code (rate - quota) / quota * span}.
 *
 * <p>Thread-safe (synchronized): connections of one user on several event loops share it. Times in milliseconds.
 */
public final class QuotaRate {
    private final long windowMs;
    private final long[] starts;
    private final double[] values;
    private int current;

    public QuotaRate(int windows, long windowMs, long nowMs) {
        if (windows < 1 || windowMs < 1) {
            throw new IllegalArgumentException("windows and window size must be positive");
        }
        this.windowMs = windowMs;
        this.starts = new long[windows];
        this.values = new double[windows];
        java.util.Arrays.fill(starts, nowMs);
    }

    /** Adds {@code value} at {@code nowMs}. */
    public synchronized void record(double value, long nowMs) {
        if (nowMs - starts[current] >= windowMs) {
            current = (current + 1) % starts.length;
            starts[current] = nowMs;
            values[current] = 0;
        }
        values[current] += value;
    }

    /** The rate per second at {@code nowMs}. */
    public synchronized double rate(long nowMs) {
        forgetOld(nowMs);
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total * 1000.0 / span(nowMs);
    }

    /**
     * Records {@code value} and returns how long the client must wait (ms) for the rate to fall back to
     * {@code quota}, 0 when it is within it.
     */
    public synchronized long recordAndThrottle(double value, double quota, long nowMs) {
        record(value, nowMs);
        return throttleMs(quota, nowMs);
    }

    /**
     * Records {@code value} and returns the throttle time as {@link #recordAndThrottle} does, but takes the value
     * back when it breaks the quota: the rate then stays as it was.
     */
    public synchronized long recordUnlessThrottled(double value, double quota, long nowMs) {
        long throttle = recordAndThrottle(value, quota, nowMs);
        if (throttle > 0) {
            values[current] -= value;
        }
        return throttle;
    }

    /** How long (ms) the client must wait for the rate to fall back to {@code quota}; 0 when it is within it. */
    public synchronized long throttleMs(double quota, long nowMs) {
        double rate = rate(nowMs);
        if (rate <= quota) {
            return 0;
        }
        return (long) ((rate - quota) / quota * span(nowMs));
    }

    /** The time the windows cover, at least {@code num - 1} full windows (ms). */
    long span(long nowMs) {
        long oldest = starts[0];
        for (long s : starts) {
            oldest = Math.min(oldest, s);
        }
        long elapsed = nowMs - oldest;
        long fullWindows = elapsed / windowMs;
        long minFull = starts.length - 1;
        if (fullWindows < minFull) {
            elapsed += (minFull - fullWindows) * windowMs;
        }
        return Math.max(elapsed, 1);
    }

    private void forgetOld(long nowMs) {
        long maxAge = windowMs * starts.length;
        for (int i = 0; i < starts.length; i++) {
            if (nowMs - starts[i] >= maxAge) {
                starts[i] = nowMs;
                values[i] = 0;
            }
        }
    }
}
