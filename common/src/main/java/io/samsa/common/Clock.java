package io.samsa.common;

/**
 * The time seam. Production code reads time only through a {@code Clock} so that simulation and
 * unit tests can replace it with a controllable one.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Clock {

    /** The system clock. */
    Clock SYSTEM = new Clock() {
        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }
    };

    /** Wall-clock time in milliseconds since the epoch (used for timestamps and retention). */
    long milliseconds();

    /** A monotonic time in nanoseconds, for measuring intervals only. */
    long nanoseconds();
}
