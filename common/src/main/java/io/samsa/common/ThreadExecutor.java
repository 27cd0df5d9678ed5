package io.samsa.common;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SerialExecutor} on a dedicated daemon thread (a scheduled pool of one). Tasks submitted after
 * {@link #close} are dropped (a scheduled one is never run); a task's exception is passed to the thread's
 * uncaught-exception handling and does not stop later tasks. Thread-safe.
 */
public final class ThreadExecutor implements SerialExecutor, AutoCloseable {
    private final ScheduledThreadPoolExecutor pool;
    private volatile Thread thread;

    public ThreadExecutor(String threadName) {
        this.pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pool.prestartCoreThread();
    }

    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(() -> runReporting(task));
        } catch (RejectedExecutionException e) {
            // Closed: the owner is stopping and no longer wants the task's effects.
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        try {
            ScheduledFuture<?> f = pool.schedule(() -> runReporting(task), Math.max(0, delayMs),
                    TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> false;
        }
    }

    @Override
    public boolean inExecutor() {
        return Thread.currentThread() == thread;
    }

    private static void runReporting(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
    }

    /** Stops taking tasks, lets the running one finish and waits up to {@code timeoutMs} for the thread to end. */
    public boolean close(long timeoutMs) {
        pool.shutdown();
        if (inExecutor()) {
            return false;
        }
        try {
            return pool.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        close(30_000);
    }
}
