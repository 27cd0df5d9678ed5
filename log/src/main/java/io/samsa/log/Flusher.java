package io.samsa.log;

import io.samsa.common.Clock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Forces log files to disk for a {@link LogManager}, with group commit across appends and parallel forces
 * across logs. Each {@link Log} has one {@link Lane}: the futures of the appends waiting for its next fsync and
 * whether a flush is wanted. A request marks the lane and, unless the lane is already queued or running, hands
 * it to a small pool of forcing threads; a forcing thread takes every waiter of the lane at once, forces the
 * log up to its current end ({@link Log#flushFromFlusher}), completes exactly those waiters, writes the log's
 * due checkpoints, and queues the lane again at the back if more appends arrived meanwhile. So one log is
 * forced by one thread at a time, appends that arrive during a force share the next one, and different logs'
 * forces run concurrently: the file system commits concurrent {@code fdatasync}s of many files in one journal
 * commit, where forcing them one after another pays a device round trip each.
 *
 * <p>A timer thread runs the periodic pass every {@code pollMs}: it queues the lanes of logs whose
 * {@code flush.ms} has passed or whose checkpoints are due.
 *
 * <p>Threads: {@link #request} and {@link #barrier} from any thread (the partitions' writers, tests); lanes
 * run on the forcing threads; the periodic pass on the timer thread. Owns those threads and the queue of
 * ready lanes; {@link #close()} completes pending requests and stops them.
 */
final class Flusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);
    private static final Lane STOP = new Lane(null);
    private static final CompletableFuture<Void> STOP_TIMER = new CompletableFuture<>();

    /**
     * One log's flush state: the futures waiting for its next force and what its next run must do. Guarded by
     * its own monitor; run by at most one forcing thread at a time ({@code scheduled} is true from queueing to
     * the end of the run).
     */
    static final class Lane {
        private final Log log;
        private ArrayList<CompletableFuture<Void>> waiting = new ArrayList<>();
        private ArrayList<CompletableFuture<Void>> spare = new ArrayList<>();
        private boolean flushWanted;
        private boolean periodicWanted;
        private boolean scheduled;

        Lane(Log log) {
            this.log = log;
        }
    }

    private final LinkedBlockingQueue<Lane> ready = new LinkedBlockingQueue<>();
    /** Barriers' futures, and {@link #STOP_TIMER}. */
    private final LinkedBlockingQueue<CompletableFuture<Void>> timerQueue = new LinkedBlockingQueue<>();
    private final Set<Log> logs = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    private final Clock clock;
    private final long checkpointIntervalMs;
    private final long pollMs;
    private final Thread timer;
    private final Thread[] forcers;
    /** Lanes queued or running; guarded by {@link #idle}. */
    private int busy;
    private volatile boolean stopped;

    Flusher(String name, Clock clock, long checkpointIntervalMs, long pollMs, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("The flusher needs at least one thread, not " + threads);
        }
        this.clock = clock;
        this.checkpointIntervalMs = checkpointIntervalMs;
        this.pollMs = pollMs;
        this.forcers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            forcers[i] = new Thread(this::runForcer, name + "-" + i);
            forcers[i].setDaemon(true);
            forcers[i].start();
        }
        this.timer = new Thread(this::runTimer, name + "-timer");
        this.timer.setDaemon(true);
        this.timer.start();
    }

    void register(Log l) {
        logs.add(l);
    }

    void unregister(Log l) {
        logs.remove(l);
    }

    /**
     * Asks for {@code l} to be forced up to its current log end offset; {@code future} (may be null)
     * completes after that, or exceptionally if the flush fails. Any thread; never blocks on a force.
     */
    void request(Log l, CompletableFuture<Void> future) {
        if (stopped) {
            if (future != null) {
                future.completeExceptionally(new IllegalStateException("The log manager is closed"));
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
            ready.add(lane);
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

    /**
     * A future completed after the flusher became idle (every request made before this call handled), then ran
     * one periodic pass ({@code flush.ms} flushes, due checkpoints) at the clock's current time and became idle
     * again: a deterministic synchronisation point for tests, which must not append meanwhile. Any thread.
     */
    CompletableFuture<Void> barrier() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (stopped) {
            f.completeExceptionally(new IllegalStateException("The log manager is closed"));
        } else {
            timerQueue.add(f);
        }
        return f;
    }

    // ---------------------------------------------------------------- forcing threads

    private void runForcer() {
        while (true) {
            Lane lane;
            try {
                lane = ready.take();
            } catch (InterruptedException e) {
                return;
            }
            if (lane == STOP) {
                return;
            }
            runLane(lane);
        }
    }

    private void runLane(Lane lane) {
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
            ready.add(lane);
        } else {
            synchronized (idle) {
                if (--busy == 0) {
                    idle.notifyAll();
                }
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

    // ---------------------------------------------------------------- timer thread

    private void runTimer() {
        List<CompletableFuture<Void>> barriers = new ArrayList<>();
        while (true) {
            CompletableFuture<Void> first;
            try {
                first = timerQueue.poll(pollMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == STOP_TIMER) {
                return;
            }
            if (first == null) {
                periodic();
                continue;
            }
            barriers.clear();
            barriers.add(first);
            boolean stop = false;
            for (CompletableFuture<Void> f = timerQueue.poll(); f != null; f = timerQueue.poll()) {
                if (f == STOP_TIMER) {
                    stop = true;
                } else {
                    barriers.add(f);
                }
            }
            try {
                awaitIdle();
                periodic();
                awaitIdle();
            } catch (InterruptedException e) {
                stop = true;
            }
            for (CompletableFuture<Void> b : barriers) {
                b.complete(null);
            }
            if (stop) {
                return;
            }
        }
    }

    /** Queues the lanes of logs whose {@code flush.ms} has passed or whose checkpoints are due. Timer thread. */
    private void periodic() {
        long now = clock.milliseconds();
        for (Log l : logs) {
            if (l.flushMsDue(now) || l.checkpointDue(now, checkpointIntervalMs)) {
                Lane lane = l.flushLane();
                boolean queue;
                synchronized (lane) {
                    lane.periodicWanted = true;
                    queue = markScheduled(lane);
                }
                if (queue) {
                    ready.add(lane);
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

    /** Completes pending requests, then stops the threads. Fails requests that arrive after. */
    @Override
    public void close() {
        stopped = true;
        timerQueue.add(STOP_TIMER);
        boolean interrupted = false;
        try {
            timer.join();
            awaitIdle();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        for (int i = 0; i < forcers.length; i++) {
            ready.add(STOP);
        }
        for (Thread t : forcers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // A request that raced with close, or a lane left by an interrupted close: fail its waiters.
        for (Log l : logs) {
            failWaiters(l.flushLane());
        }
        for (Lane lane = ready.poll(); lane != null; lane = ready.poll()) {
            if (lane != STOP) {
                failWaiters(lane);
            }
        }
        for (CompletableFuture<Void> f = timerQueue.poll(); f != null; f = timerQueue.poll()) {
            if (f != STOP_TIMER) {
                f.completeExceptionally(new IllegalStateException("The log manager is closed"));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void failWaiters(Lane lane) {
        List<CompletableFuture<Void>> left;
        synchronized (lane) {
            left = new ArrayList<>(lane.waiting);
            lane.waiting.clear();
        }
        for (CompletableFuture<Void> f : left) {
            f.completeExceptionally(new IllegalStateException("The log manager is closed"));
        }
    }
}
