package io.samsa.common;

/**
 * The timer seam: runs a task after a delay. Production uses an executor-backed implementation;
 * simulation tests drive tasks from a simulated clock.
 */
public interface Scheduler {

    /** A scheduled task that can still be cancelled. */
    interface Cancellable {
        /** Cancels the task if it has not run yet; returns true if it was cancelled. */
        boolean cancel();
    }

    /** Runs {@code task} once, after {@code delayMs} milliseconds, on the scheduler's thread. */
    Cancellable schedule(Runnable task, long delayMs);
}
