package io.samsa.testkit;

import io.samsa.common.SerialExecutor;

import java.util.ArrayDeque;

/**
 * One thread of execution of a simulated node, on a {@link SimScheduler}: tasks run one at a time in submission
 * order, interleaved with other executors' tasks in the order the scheduler's seed draws. {@link #inExecutor()} is
 * true exactly while one of this executor's tasks runs.
 *
 * <p>{@link #kill()} is the node's death: queued tasks and timers are dropped and later submissions ignored (as
 * {@code ThreadExecutor} does after close); a restarted node gets new executors.
 *
 * <p>Thread-safe as {@link SerialExecutor} requires; tasks run only on the thread driving the scheduler.
 */
public final class SimExecutor implements SerialExecutor {
    private final SimScheduler scheduler;
    private final String name;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private volatile boolean killed;

    SimExecutor(SimScheduler scheduler, String name) {
        this.scheduler = scheduler;
        this.name = name;
    }

    public String name() {
        return name;
    }

    @Override
    public void execute(Runnable task) {
        if (killed) {
            return;
        }
        synchronized (scheduler) {
            queue.add(task);
            scheduler.markReady(this);
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        if (killed) {
            return () -> false;
        }
        return scheduler.addTimer(this, task, delayMs);
    }

    @Override
    public boolean inExecutor() {
        return scheduler.current() == this;
    }

    /** Drops every queued task and timer and ignores later ones: the node died. */
    public void kill() {
        killed = true;
        synchronized (scheduler) {
            queue.clear();
            scheduler.unready(this);
        }
    }

    public boolean isKilled() {
        return killed;
    }

    /** Tasks queued and ready to run now. */
    public int queued() {
        synchronized (scheduler) {
            return queue.size();
        }
    }

    void enqueueFromTimer(Runnable task) {
        if (!killed) {
            queue.add(task);
            scheduler.markReady(this);
        }
    }

    Runnable poll() {
        return queue.poll();
    }

    boolean hasReady() {
        return !queue.isEmpty();
    }

    @Override
    public String toString() {
        return "SimExecutor(" + name + (killed ? ", killed" : "") + ")";
    }
}
