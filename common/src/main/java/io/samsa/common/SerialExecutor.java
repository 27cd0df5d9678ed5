package io.samsa.common;

import java.util.concurrent.Executor;

/**
 * The thread seam: one thread of execution that owns some state. Tasks run one at a time, in the order they were
 * submitted ({@link #execute}); delayed tasks run after their delay ({@link #schedule}). State touched only from
 * one {@code SerialExecutor} needs no locks.
 *
 * <p>In production it is a Netty event loop (a partition's shard) or a dedicated thread
 * ({@link ThreadExecutor}); in simulation, one node's share of a single simulated scheduler, so that a whole
 * cluster runs on one thread, in an order fixed by a seed. Code that must not block (an event loop, a shard)
 * never waits on another {@code SerialExecutor}: it hands work over with {@link #execute} and is called back.
 *
 * <p>Implementations are thread-safe: {@link #execute}, {@link #schedule} and {@link #inExecutor} may be called
 * from any thread.
 */
public interface SerialExecutor extends Executor, Scheduler {

    /** True when the caller runs on this executor (one of its tasks is running now, on this thread). */
    boolean inExecutor();

    /** Runs {@code task} now when the caller is on this executor, else hands it over with {@link #execute}. */
    default void runOrExecute(Runnable task) {
        if (inExecutor()) {
            task.run();
        } else {
            execute(task);
        }
    }
}
