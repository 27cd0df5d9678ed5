package io.samsa.replication;

import io.samsa.common.SerialExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link SerialExecutor} the test drives by hand, on the test's own thread: {@link #execute} queues a task (and
 * counts it: a hand-off), {@link #runPending()} runs the queue, {@link #advance} moves this executor's clock and runs
 * the timers due. {@link #inExecutor()} is true only while one of its own tasks runs, so several of them stand for
 * several threads (shards, a connection loop) in one deterministic test. {@link #runAll} runs a set of them until
 * all are idle. Tasks run on the test's thread only; {@link #execute} may also come from another thread (the log's
 * flusher completing a durable future), and {@link #awaitQueued} waits for such a hand-off without sleeping.
 */
final class QueueExecutor implements SerialExecutor {
    private final String name;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final List<Timer> timers = new ArrayList<>();
    private long nowMs;
    private volatile Thread runner;
    private int handOffs;
    private long timerSeq;

    QueueExecutor(String name) {
        this.name = name;
    }

    private static final class Timer {
        final Runnable task;
        final long dueMs;
        final long seq;
        boolean cancelled;

        Timer(Runnable task, long dueMs, long seq) {
            this.task = task;
            this.dueMs = dueMs;
            this.seq = seq;
        }
    }

    @Override
    public synchronized void execute(Runnable task) {
        handOffs++;
        tasks.add(task);
        notifyAll();
    }

    /** Waits (up to 10 s) until at least one task is queued; returns whether one is. */
    synchronized boolean awaitQueued() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (tasks.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(left / 1_000_000 + 1);
        }
        return true;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        Timer t = new Timer(task, nowMs + Math.max(0, delayMs), timerSeq++);
        timers.add(t);
        return () -> {
            boolean was = !t.cancelled && timers.contains(t);
            t.cancelled = true;
            timers.remove(t);
            return was;
        };
    }

    @Override
    public boolean inExecutor() {
        return Thread.currentThread() == runner;
    }

    /** Runs the queued tasks (and those they queue here) until none is left; returns how many ran. */
    int runPending() {
        int n = 0;
        Runnable task;
        while ((task = poll()) != null) {
            run(task);
            n++;
        }
        return n;
    }

    /** Moves this executor's clock by {@code ms} and runs the timers that came due, in order. */
    void advance(long ms) {
        nowMs += ms;
        while (true) {
            Timer next = timers.stream().filter(t -> t.dueMs <= nowMs)
                    .min(Comparator.comparingLong((Timer t) -> t.dueMs).thenComparingLong(t -> t.seq)).orElse(null);
            if (next == null) {
                return;
            }
            timers.remove(next);
            run(next.task);
        }
    }

    private synchronized Runnable poll() {
        return tasks.poll();
    }

    private void run(Runnable task) {
        Thread outer = runner;
        runner = Thread.currentThread();
        try {
            task.run();
        } finally {
            runner = outer;
        }
    }

    /** Tasks handed to this executor with {@link #execute} so far. */
    synchronized int handOffs() {
        return handOffs;
    }

    synchronized int queued() {
        return tasks.size();
    }

    int timers() {
        return timers.size();
    }

    /** Runs every executor's queue until all are empty. */
    static void runAll(QueueExecutor... executors) {
        boolean ran = true;
        while (ran) {
            ran = false;
            for (QueueExecutor e : executors) {
                ran |= e.runPending() > 0;
            }
        }
    }

    @Override
    public String toString() {
        return "QueueExecutor(" + name + ")";
    }
}
