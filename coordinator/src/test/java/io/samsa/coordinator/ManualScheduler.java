package io.samsa.coordinator;

import io.samsa.common.ManualClock;
import io.samsa.common.Scheduler;
import java.util.PriorityQueue;

/** A {@link Scheduler} driven by a {@link ManualClock}: tasks run on the test thread in {@link #advance}. */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long seq;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    private final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long order = seq++;
        final Runnable run;
        boolean cancelled;

        Task(long due, Runnable run) {
            this.due = due;
            this.run = run;
        }

        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }

        @Override
        public boolean cancel() {
            boolean was = !cancelled;
            cancelled = true;
            return was;
        }
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMs) {
        Task t = new Task(clock.milliseconds() + delayMs, task);
        tasks.add(t);
        return t;
    }

    /** Moves time forward by {@code ms}, running every task that falls due, in order. */
    public void advance(long ms) {
        long end = clock.milliseconds() + ms;
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > end) {
                    break;
                }
                tasks.poll();
            }
            if (next.due > clock.milliseconds()) {
                clock.advance(next.due - clock.milliseconds());
            }
            if (!next.cancelled) {
                next.run.run();
            }
        }
        if (end > clock.milliseconds()) {
            clock.advance(end - clock.milliseconds());
        }
    }
}
