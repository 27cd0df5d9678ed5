package io.samsa.log.cleaner;

import io.samsa.common.Clock;

/**
 * Keeps the cleaner's disk traffic (bytes read plus bytes written, every thread together) at or below
 * {@code log.cleaner.io.max.bytes.per.second}. It does not sleep: {@link #delayFor} says how long the caller should
 * wait before its next step, and the cleaning pass schedules that step on its executor after the delay, so a throttled
 * cleaner never blocks a thread and a simulation moves its clock instead.
 *
 * <p>Measured over windows of {@value #WINDOW_MS} ms, like Kafka's throttler. Thread-safe.
 */
final class Throttler {
    static final long WINDOW_MS = 300;

    private final double bytesPerMs;
    private final Clock clock;
    private long windowStart;
    private double windowBytes;
    private long throttledMs;

    Throttler(double bytesPerSecond, Clock clock) {
        this.bytesPerMs = bytesPerSecond / 1000.0;
        this.clock = clock;
        this.windowStart = clock.milliseconds();
    }

    /** Counts {@code bytes} of traffic; returns how many ms the caller should pause to stay under the rate (0: none). */
    synchronized long delayFor(long bytes) {
        if (bytesPerMs == Double.MAX_VALUE / 1000.0) {
            return 0;
        }
        long now = clock.milliseconds();
        windowBytes += bytes;
        long elapsed = now - windowStart;
        if (elapsed < WINDOW_MS && windowBytes < bytesPerMs * WINDOW_MS) {
            return 0;
        }
        double neededMs = windowBytes / bytesPerMs;
        long delay = (long) Math.ceil(neededMs - elapsed);
        windowStart = now + Math.max(0, delay);
        windowBytes = 0;
        if (delay > 0) {
            throttledMs += delay;
            return delay;
        }
        return 0;
    }

    /** Total pause asked for so far (metrics). */
    synchronized long throttledMs() {
        return throttledMs;
    }
}
