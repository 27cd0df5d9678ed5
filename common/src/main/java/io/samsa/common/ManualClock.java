package io.samsa.common;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to: for tests and simulation. Thread-safe.
 */
public final class ManualClock implements Clock {
    private final AtomicLong nanos;
    private final long epochMillisAtZero;

    public ManualClock(long startMillis) {
        this.epochMillisAtZero = startMillis;
        this.nanos = new AtomicLong(0);
    }

    @Override
    public long milliseconds() {
        return epochMillisAtZero + TimeUnit.NANOSECONDS.toMillis(nanos.get());
    }

    @Override
    public long nanoseconds() {
        return nanos.get();
    }

    /** Moves time forward by {@code millis} milliseconds. */
    public void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("Time cannot go backwards: " + millis);
        }
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
