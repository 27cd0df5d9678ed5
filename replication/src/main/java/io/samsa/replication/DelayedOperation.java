package io.samsa.replication;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request parked in the purgatory until its condition holds or it times out: a fetch waiting for
 * {@code min.bytes}, a produce with acks=all waiting for the high watermark. It watches one or more partitions
 * ({@link Partition#watch}); every change wakes it, and the wake-ups are coalesced into one {@link #tryComplete}
 * run on its own executor (the connection's event loop), so the check never runs on a shard or the flusher.
 *
 * <p>Completion happens exactly once: the first of {@link #tryComplete} returning true through
 * {@link #complete()}, or {@link #expire()}, wins; {@link #onComplete(boolean)} then runs once on the thread that
 * won.
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

    private boolean finish(boolean expired) {
        if (state.getAndSet(DONE) == DONE) {
            return false;
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

    @Override
    public final boolean isDone() {
        return state.get() == DONE;
    }
}
