package io.samsa.log;

import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.common.ThreadExecutor;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forces log files to disk for a {@link LogManager}, with group commit across appends and parallel forces
 * across logs. Each {@link Log} has one {@link Lane}: the futures of the appends waiting for its next fsync and
 * whether a flush is wanted. A request marks the lane and, unless the lane is already queued or running, hands
 * it to the forcing executor; the lane's run takes every waiter at once, forces the log up to its current end
 * ({@link Log#flushFromFlusher}), completes exactly those waiters, writes the log's due checkpoints, and queues
 * the lane again at the back if more appends arrived meanwhile. So one log is forced by one thread at a time,
 * appends that arrive during a force share the next one, and different logs' forces run concurrently when the
 * executor has several threads: the file system commits concurrent {@code fdatasync}s of many files in one
 * journal commit, where forcing them one after another pays a device round trip each.
 *
 * <p>A timer ({@link SerialExecutor}) runs the periodic pass every {@code pollMs}: it queues the lanes of logs
 * whose {@code flush.ms} has passed or whose checkpoints are due.
 *
 * <p>Threads: by default ({@link #withOwnThreads}) the flusher owns a pool of forcing threads and a timer thread.
 * A simulation injects its own executors instead ({@link LogManager.Builder#flusherExecutors}), so that appends,
 * forces and checkpoint writes interleave on one thread in a seeded order. {@link #request} and {@link #barrier}
 * run on any thread (the partitions' writers, tests); lanes on the forcing executor; the periodic pass and
 * barriers on the timer. {@link #close()} completes pending requests and stops its own threads; with injected
 * executors it cannot wait for them, so it fails the waiting futures instead and later lane runs do nothing.
 */
final class Flusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);

    /**
     * One log's flush state: the futures waiting for its next force and what its next run must do. Guarded by
     * its own monitor; run by at most one forcing thread at a time ({@code scheduled} is true from queueing to
     * the end of the run). Its {@link #run()} is the task handed to the forcing executor.
     */
    static final class Lane implements Runnable {
        private final Flusher flusher;
        private final Log log;
        private ArrayList<CompletableFuture<Void>> waiting = new ArrayList<>();
        private ArrayList<CompletableFuture<Void>> spare = new ArrayList<>();
        private boolean flushWanted;
        private boolean periodicWanted;
        private boolean scheduled;

        private Lane(Flusher flusher, Log log) {
            this.flusher = flusher;
            this.log = log;
        }

        @Override
        public void run() {
            flusher.runLane(this);
        }
    }

    /**
     * The registered logs by name: the periodic pass visits them in name order, so that a simulation's run does not
     * depend on identity hash codes (the order in which lanes are queued decides the order of forces and checkpoint
     * writes).
     */
    private final ConcurrentSkipListMap<String, Log> logs = new ConcurrentSkipListMap<>();
    private final Set<CompletableFuture<Void>> barriers = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    /** Run on the timer when {@link #busy} drops to 0; guarded by {@link #idle}. */
    private final List<Runnable> idleWaiters = new ArrayList<>();
    private final Clock clock;
    private final long checkpointIntervalMs;
    private final long pollMs;
    private final Executor forcing;
    private final SerialExecutor timer;
    private final ExecutorService ownForcing;
    private final ThreadExecutor ownTimer;
    /** Lanes queued or running; guarded by {@link #idle}. */
    private int busy;
    private volatile boolean stopped;
    /** Closed without waiting (injected executors): lanes that still run do nothing. */
    private volatile boolean abandoned;
    private volatile Scheduler.Cancellable tick;

    /** A flusher on injected executors: lanes run on {@code forcing}, the periodic pass and barriers on {@code timer}. */
    Flusher(Clock clock, long checkpointIntervalMs, long pollMs, Executor forcing, SerialExecutor timer) {
        this(clock, checkpointIntervalMs, pollMs, forcing, timer, null, null);
    }

    private Flusher(Clock clock, long checkpointIntervalMs, long pollMs, Executor forcing, SerialExecutor timer,
                    ExecutorService ownForcing, ThreadExecutor ownTimer) {
        this.clock = clock;
        this.checkpointIntervalMs = checkpointIntervalMs;
        this.pollMs = pollMs;
        this.forcing = forcing;
        this.timer = timer;
        this.ownForcing = ownForcing;
        this.ownTimer = ownTimer;
    }

    /** A flusher with its own {@code threads} forcing threads ({@code name-N}) and a timer thread ({@code name-timer}). */
    static Flusher withOwnThreads(String name, Clock clock, long checkpointIntervalMs, long pollMs, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("The flusher needs at least one thread, not " + threads);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        ThreadExecutor timer = new ThreadExecutor(name + "-timer");
        return new Flusher(clock, checkpointIntervalMs, pollMs, pool, timer, pool, timer);
    }

    /** A new lane for {@code l} (its constructor calls this). */
    Lane newLane(Log l) {
        return new Lane(this, l);
    }

    /** Starts the periodic pass. */
    void start() {
        tick = timer.schedule(this::tick, pollMs);
    }

    void register(Log l) {
        logs.put(l.name(), l);
    }

    void unregister(Log l) {
        logs.remove(l.name(), l);
    }

    /**
     * Asks for {@code l} to be forced up to its current log end offset; {@code future} (may be null)
     * completes after that, or exceptionally if the flush fails. Any thread; never blocks on a force.
     */
    void request(Log l, CompletableFuture<Void> future) {
        if (stopped) {
            if (future != null) {
                future.completeExceptionally(closed());
            }
            return;
        }
        Lane lane = l.flushLane();
        boolean queue;
        synchronized (lane) {
            if (future != null) {
                lane.waiting.add(future);
            }
            lane.flushWanted = true;
            queue = markScheduled(lane);
        }
        if (queue) {
            queue(lane);
        }
    }

    /** Under the lane's monitor: true when the caller must queue the lane (it was idle). */
    private boolean markScheduled(Lane lane) {
        if (lane.scheduled) {
            return false;
        }
        lane.scheduled = true;
        synchronized (idle) {
            busy++;
        }
        return true;
    }

    private void queue(Lane lane) {
        try {
            forcing.execute(lane);
        } catch (RejectedExecutionException e) {
            // Closing: the forcing threads are gone.
            synchronized (lane) {
                lane.scheduled = false;
            }
            failWaiters(lane);
            finishedOne();
        }
    }

    /**
     * A future completed after the flusher became idle (every request made before this call handled), then ran
     * one periodic pass ({@code flush.ms} flushes, due checkpoints) at the clock's current time and became idle
     * again: a deterministic synchronisation point for tests, which must not append meanwhile. Any thread.
     */
    CompletableFuture<Void> barrier() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (stopped) {
            f.completeExceptionally(closed());
            return f;
        }
        barriers.add(f);
        whenIdle(() -> {
            if (stopped) {
                return;
            }
            periodic();
            whenIdle(() -> {
                barriers.remove(f);
                f.complete(null);
            });
        });
        return f;
    }

    /** Runs {@code task} on the timer once no lane is queued or running. */
    private void whenIdle(Runnable task) {
        synchronized (idle) {
            if (busy > 0) {
                idleWaiters.add(task);
                return;
            }
        }
        timer.execute(task);
    }

    // ---------------------------------------------------------------- forcing executor

    private void runLane(Lane lane) {
        if (abandoned) {
            synchronized (lane) {
                lane.scheduled = false;
            }
            failWaiters(lane);
            finishedOne();
            return;
        }
        if (logs.get(lane.log.name()) != lane.log) {
            // Deleted since the lane was queued (its directory is renamed, its segments closed): nothing to force or
            // checkpoint, and no reason to call the log offline. Appends still waiting were never made durable.
            synchronized (lane) {
                lane.scheduled = false;
                lane.flushWanted = false;
                lane.periodicWanted = false;
            }
            failWaiters(lane, new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The log of "
                    + lane.log.name() + " was deleted before it was forced"));
            finishedOne();
            return;
        }
        boolean flush;
        boolean periodic;
        ArrayList<CompletableFuture<Void>> batch;
        synchronized (lane) {
            flush = lane.flushWanted;
            periodic = lane.periodicWanted;
            lane.flushWanted = false;
            lane.periodicWanted = false;
            batch = lane.waiting;
            lane.waiting = lane.spare;
        }
        Log l = lane.log;
        long now = clock.milliseconds();
        boolean ok = true;
        if (flush || l.flushMsDue(now)) {
            ok = flushQuietly(l);
        }
        if (ok) {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).complete(null);
            }
        } else if (!batch.isEmpty()) {
            SamsaException e = new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot force " + l.name()
                    + " to disk; the log is offline");
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).completeExceptionally(e);
            }
        }
        batch.clear();
        if (flush || periodic) {
            try {
                l.maybeWriteCheckpoints(now, checkpointIntervalMs);
            } catch (Exception e) {
                log.error("[log={}] Checkpoint failed", l.name(), e);
            }
        }
        boolean again;
        synchronized (lane) {
            lane.spare = batch;
            again = lane.flushWanted || lane.periodicWanted;
            lane.scheduled = again;
        }
        if (again) {
            // At the back of the queue: a log that is appended to without pause does not starve the others.
            queue(lane);
        } else {
            finishedOne();
        }
    }

    /** A queued lane finished: wakes {@link #awaitIdle} and hands the idle waiters to the timer at zero. */
    private void finishedOne() {
        List<Runnable> wake = null;
        synchronized (idle) {
            if (--busy == 0) {
                idle.notifyAll();
                if (!idleWaiters.isEmpty()) {
                    wake = new ArrayList<>(idleWaiters);
                    idleWaiters.clear();
                }
            }
        }
        if (wake != null) {
            for (Runnable r : wake) {
                timer.execute(r);
            }
        }
    }

    private boolean flushQuietly(Log l) {
        try {
            l.flushFromFlusher();
            return true;
        } catch (Exception e) {
            log.error("[log={}] Flush failed; the log is offline", l.name(), e);
            l.markOffline();
            return false;
        }
    }

    // ---------------------------------------------------------------- timer

    private void tick() {
        if (stopped) {
            return;
        }
        periodic();
        tick = timer.schedule(this::tick, pollMs);
    }

    /** Queues the lanes of logs whose {@code flush.ms} has passed or whose checkpoints are due. Timer. */
    private void periodic() {
        long now = clock.milliseconds();
        for (Log l : logs.values()) {
            if (l.flushMsDue(now) || l.checkpointDue(now, checkpointIntervalMs)) {
                Lane lane = l.flushLane();
                boolean queue;
                synchronized (lane) {
                    lane.periodicWanted = true;
                    queue = markScheduled(lane);
                }
                if (queue) {
                    queue(lane);
                }
            }
        }
    }

    private void awaitIdle() throws InterruptedException {
        synchronized (idle) {
            while (busy > 0) {
                idle.wait();
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * With its own threads: completes pending requests, then stops the threads. With injected executors: fails
     * the pending requests (the caller closes the logs next; lanes still queued on the executors then do nothing).
     * Fails requests that arrive after.
     */
    @Override
    public void close() {
        stopped = true;
        Scheduler.Cancellable t = tick;
        if (t != null) {
            t.cancel();
        }
        boolean interrupted = false;
        if (ownForcing != null) {
            try {
                awaitIdle();
            } catch (InterruptedException e) {
                interrupted = true;
            }
            ownForcing.shutdown();
            try {
                if (!ownForcing.awaitTermination(30, TimeUnit.SECONDS)) {
                    log.warn("The flusher's forcing threads did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            ownTimer.close();
        } else {
            abandoned = true;
        }
        // A request that raced with close, or a lane left by an interrupted close: fail its waiters.
        for (Log l : logs.values()) {
            failWaiters(l.flushLane());
        }
        for (CompletableFuture<Void> b : barriers) {
            b.completeExceptionally(closed());
        }
        barriers.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static IllegalStateException closed() {
        return new IllegalStateException("The log manager is closed");
    }

    private static void failWaiters(Lane lane) {
        failWaiters(lane, closed());
    }

    private static void failWaiters(Lane lane, RuntimeException error) {
        List<CompletableFuture<Void>> left;
        synchronized (lane) {
            left = new ArrayList<>(lane.waiting);
            lane.waiting.clear();
        }
        for (CompletableFuture<Void> f : left) {
            f.completeExceptionally(error);
        }
    }
}
