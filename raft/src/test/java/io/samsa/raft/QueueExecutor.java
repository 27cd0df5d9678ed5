package io.samsa.raft;

import io.samsa.common.SerialExecutor;

import java.util.PriorityQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@link SerialExecutor} that runs its tasks only when the test says so, on the test's thread: tasks queue up
 * (from any thread, e.g. the log's flusher) until {@link #runUntil} takes them one by one. Delayed tasks run in
 * order of their delay once everything queued before is done (there is no clock). For tests.
 */
final class QueueExecutor implements SerialExecutor {
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final PriorityQueue<long[]> delayedOrder = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private final java.util.Map<Long, Runnable> delayed = new java.util.HashMap<>();
    private long seq;
    private volatile Thread running;

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMs) {
        long id = seq++;
        delayed.put(id, task);
        delayedOrder.add(new long[] {delayMs, id});
        return () -> {
            synchronized (QueueExecutor.this) {
                return delayed.remove(id) != null;
            }
        };
    }

    @Override
    public boolean inExecutor() {
        return Thread.currentThread() == running;
    }

    /** Runs tasks (waiting for more to arrive, at most 10 s in all) until {@code done} holds. */
    void runUntil(BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            Runnable task = tasks.poll();
            if (task == null) {
                task = nextDelayed();
            }
            if (task == null) {
                try {
                    task = tasks.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                if (task == null) {
                    throw new AssertionError("Timed out waiting for a task");
                }
            }
            run(task);
        }
    }

    /** Runs every task queued now and those they queue, until none is left (delayed tasks included). */
    void runAll() {
        Runnable task;
        while ((task = tasks.poll()) != null || (task = nextDelayed()) != null) {
            run(task);
        }
    }

    private synchronized Runnable nextDelayed() {
        while (!delayedOrder.isEmpty()) {
            Runnable r = delayed.remove(delayedOrder.poll()[1]);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private void run(Runnable task) {
        running = Thread.currentThread();
        try {
            task.run();
        } finally {
            running = null;
        }
    }
}
