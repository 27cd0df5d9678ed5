package io.samsa.replication;

import io.samsa.common.Scheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request parked in the purgatory until its condition holds or it times out: a fetch waiting for
 * {@code min.bytes}, a produce with acks=all waiting for the high watermark. It watches one or more partitions
 * ({@link Partition#watch}); every change wakes it, and the wake-ups are coalesced into one {@link #tryComplete}
 * run on its own executor (the connection's event loop), so the check never runs on a shard or the flusher.
 *
 * <p>Completion happens exactly once: the first of {@link #tryComplete} returning true through
 * {@link #complete()}, or {@link #expire()}, wins; {@link #onComplete(boolean)} then runs once on the thread that
 * won. The timeout ({@link #expireAfter}) goes through the {@link Scheduler} seam, so a simulation drives it; it is
 * cancelled when the operation completes first.
 *
 * <p>Thread-safe: wake-ups from any thread; {@code tryComplete} and {@code onComplete} on the executor (or the
 * caller of {@link #expire()}).
 */
public abstract class DelayedOperation implements PartitionWatcher, Runnable {
    private static final int WAITING = 0;
    private static final int CHECK_SCHEDULED = 1;
    private static final int DONE = 2;

    private final Executor executor;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private volatile Scheduler.Cancellable timer;

    protected DelayedOperation(Executor executor) {
        this.executor = executor;
    }

    /**
     * Checks the condition; when it holds, calls {@link #complete()} and returns true. Runs on the executor.
     */
    protected abstract boolean tryComplete();

    /** Runs once, when the operation completes ({@code expired} when by timeout). */
    protected abstract void onComplete(boolean expired);

    /** Completes the operation now if nobody did yet. Returns true if this call completed it. */
    public final boolean complete() {
        return finish(false);
    }

    /** The timeout fired: completes the operation as expired if nobody did yet. */
    public final boolean expire() {
        return finish(true);
    }

    /**
     * Arms the purgatory timeout: {@link #expire()} runs on {@code scheduler}'s thread after {@code delayMs} unless
     * the operation completes first (then the timer is cancelled). Call at most once, before waiting.
     */
    protected final void expireAfter(Scheduler scheduler, long delayMs) {
        Scheduler.Cancellable t = scheduler.schedule(this::expire, Math.max(0, delayMs));
        timer = t;
        if (isDone()) {
            t.cancel();
        }
    }

    private boolean finish(boolean expired) {
        if (state.getAndSet(DONE) == DONE) {
            return false;
        }
        Scheduler.Cancellable t = timer;
        if (t != null && !expired) {
            t.cancel();
        }
        onComplete(expired);
        return true;
    }

    @Override
    public final void onPartitionChange() {
        if (state.compareAndSet(WAITING, CHECK_SCHEDULED)) {
            executor.execute(this);
        }
    }

    /** The coalesced check, on the executor. */
    @Override
    public final void run() {
        if (state.compareAndSet(CHECK_SCHEDULED, WAITING)) {
            tryComplete();
        }
    }

    /** The broker is stopping: expires the operation on its executor (here when that one no longer runs tasks). */
    @Override
    public final void abandon() {
        if (isDone()) {
            return;
        }
        try {
            executor.execute(this::expire);
        } catch (RejectedExecutionException e) {
            expire();
        }
    }

    @Override
    public final boolean isDone() {
        return state.get() == DONE;
    }
}
