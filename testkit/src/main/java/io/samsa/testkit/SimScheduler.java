package io.samsa.testkit;

import io.samsa.common.Clock;
import io.samsa.common.ManualClock;
import io.samsa.common.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * A deterministic, single-threaded scheduler for simulation tests: a simulated clock, a time-ordered queue of
 * timers and any number of {@link SimExecutor}s, all driven from the test's thread. Which executor runs next, among
 * those with a task ready now, is drawn from the seeded {@link Random}; each executor runs its own tasks one at a
 * time in submission order, as a {@code SerialExecutor} must. Time moves only when no task is ready: the clock jumps
 * to the next timer. A run is therefore a function of the seed, and replays exactly.
 *
 * <p>Invariants ({@link #addInvariant}) run after every task. A task that throws {@link SimulatedCrash} has been
 * cut short by a simulated crash (its node is dead, see {@link SimDisk#onCrash}); the scheduler notes it and goes
 * on. Any other exception from a task stops the run: it is thrown from the {@code run} method that ran the task.
 *
 * <p>Not thread-safe except for what {@link SimExecutor} promises ({@code execute} and {@code schedule} from any
 * thread): drive it from one thread.
 */
public final class SimScheduler {
    /** The default bound of {@link #runUntilIdle} and {@link #runUntil}, against a periodic timer that never ends. */
    public static final long DEFAULT_MAX_STEPS = 10_000_000;

    private final Random random;
    private final ManualClock clock;
    private final List<SimExecutor> ready = new ArrayList<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final List<Runnable> invariants = new ArrayList<>();
    private long timerSeq;
    private long steps;
    private long crashedTasks;
    private SimExecutor current;

    /** A scheduler whose clock starts at {@code startMillis} (epoch milliseconds) and whose choices come from {@code random}. */
    public SimScheduler(Random random, long startMillis) {
        this.random = random;
        this.clock = new ManualClock(startMillis);
    }

    /** The simulated clock: it moves only when this scheduler advances it. */
    public Clock clock() {
        return clock;
    }

    /** The simulation's seeded random: use it (and nothing else) for every choice, so that a seed replays. */
    public Random random() {
        return random;
    }

    public long nowMillis() {
        return clock.milliseconds();
    }

    /** A new executor (one thread of execution of a simulated node) named for messages. */
    public SimExecutor executor(String name) {
        return new SimExecutor(this, name);
    }

    /** Runs {@code check} after every task; it throws (an {@link AssertionError}) to fail the run. */
    public void addInvariant(Runnable check) {
        invariants.add(check);
    }

    /** Tasks run so far. */
    public long steps() {
        return steps;
    }

    /** Tasks that a simulated crash cut short. */
    public long crashedTasks() {
        return crashedTasks;
    }

    /** True when no task is ready and no timer is pending. */
    public synchronized boolean isIdle() {
        return ready.isEmpty() && liveTimers() == 0;
    }

    /**
     * Runs one task: one that is ready now, else the first timer after advancing the clock to it. Returns false
     * (and does nothing) when there is nothing left to run.
     */
    public boolean step() {
        Ready next;
        synchronized (this) {
            moveDueTimers();
            if (ready.isEmpty()) {
                Timer t = firstLiveTimer();
                if (t == null) {
                    return false;
                }
                advanceTo(t.due);
                moveDueTimers();
            }
            next = takeReady();
        }
        run(next);
        return true;
    }

    /** Runs tasks and timers, advancing the clock, until nothing is left; fails after {@code maxSteps} tasks. */
    public void runUntilIdle(long maxSteps) {
        long limit = steps + maxSteps;
        while (step()) {
            if (steps >= limit) {
                throw new IllegalStateException("Not idle after " + maxSteps + " steps (a periodic timer? use runFor)");
            }
        }
    }

    /** {@link #runUntilIdle(long)} with {@link #DEFAULT_MAX_STEPS}. */
    public void runUntilIdle() {
        runUntilIdle(DEFAULT_MAX_STEPS);
    }

    /** Runs every task and timer due within the next {@code millis} ms, then sets the clock to now + {@code millis}. */
    public void runFor(long millis) {
        long end = nowMillis() + millis;
        while (true) {
            Ready next;
            synchronized (this) {
                moveDueTimers();
                if (ready.isEmpty()) {
                    Timer t = firstLiveTimer();
                    if (t == null || t.due > end) {
                        break;
                    }
                    advanceTo(t.due);
                    continue;
                }
                next = takeReady();
            }
            run(next);
        }
        advanceTo(end);
    }

    /**
     * Runs tasks (advancing the clock to timers when nothing is ready) until {@code condition} holds, checked before
     * every task; fails when everything is idle first or after {@code maxSteps} tasks.
     */
    public void runUntil(BooleanSupplier condition, long maxSteps) {
        long limit = steps + maxSteps;
        while (!condition.getAsBoolean()) {
            if (!step()) {
                throw new IllegalStateException("Idle before the condition held");
            }
            if (steps >= limit) {
                throw new IllegalStateException("The condition did not hold within " + maxSteps + " steps");
            }
        }
    }

    /** {@link #runUntil(BooleanSupplier, long)} with {@link #DEFAULT_MAX_STEPS}. */
    public void runUntil(BooleanSupplier condition) {
        runUntil(condition, DEFAULT_MAX_STEPS);
    }

    /** The executor whose task runs now, or null. */
    SimExecutor current() {
        return current;
    }

    /** A task taken off its executor's queue, to run. */
    private record Ready(SimExecutor executor, Runnable task) {
    }

    /** Under this monitor, with a task ready: takes the next task of an executor drawn from the seed. */
    private Ready takeReady() {
        SimExecutor next = ready.get(ready.size() == 1 ? 0 : random.nextInt(ready.size()));
        Runnable task = next.poll();
        if (!next.hasReady()) {
            ready.remove(next);
        }
        return new Ready(next, task);
    }

    private void run(Ready next) {
        SimExecutor outer = current;
        current = next.executor;
        steps++;
        try {
            next.task.run();
        } catch (SimulatedCrash crash) {
            crashedTasks++;
        } finally {
            current = outer;
        }
        for (int i = 0; i < invariants.size(); i++) {
            invariants.get(i).run();
        }
    }

    // ---------------------------------------------------------------- executors' side (under this monitor)

    synchronized void markReady(SimExecutor e) {
        if (!ready.contains(e)) {
            ready.add(e);
        }
    }

    synchronized void unready(SimExecutor e) {
        ready.remove(e);
    }

    synchronized Scheduler.Cancellable addTimer(SimExecutor e, Runnable task, long delayMs) {
        Timer t = new Timer(nowMillis() + Math.max(0, delayMs), timerSeq++, e, task);
        timers.add(t);
        return () -> {
            synchronized (SimScheduler.this) {
                if (t.cancelled || t.fired) {
                    return false;
                }
                t.cancelled = true;
                return timers.remove(t);
            }
        };
    }

    private void moveDueTimers() {
        long now = nowMillis();
        while (!timers.isEmpty() && timers.peek().due <= now) {
            Timer t = timers.poll();
            t.fired = true;
            if (!t.cancelled) {
                t.executor.enqueueFromTimer(t.task);
            }
        }
    }

    private Timer firstLiveTimer() {
        while (!timers.isEmpty() && (timers.peek().cancelled || timers.peek().executor.isKilled())) {
            timers.poll();
        }
        return timers.peek();
    }

    private int liveTimers() {
        int n = 0;
        for (Timer t : timers) {
            if (!t.cancelled && !t.executor.isKilled()) {
                n++;
            }
        }
        return n;
    }

    private void advanceTo(long millis) {
        long now = nowMillis();
        if (millis > now) {
            clock.advance(millis - now);
        }
    }

    /** A delayed task: ordered by due time, then by when it was scheduled. */
    private static final class Timer implements Comparable<Timer> {
        final long due;
        final long seq;
        final SimExecutor executor;
        final Runnable task;
        boolean cancelled;
        boolean fired;

        Timer(long due, long seq, SimExecutor executor, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.executor = executor;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
