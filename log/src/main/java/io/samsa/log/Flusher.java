package io.samsa.log;

import io.samsa.common.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread per {@link LogManager} that forces log files to disk, with group commit: it takes every
 * pending flush request at once, forces each dirty log's files once, advances each log's recovery point, and
 * only then completes the waiting appends' futures. Between requests it flushes logs whose {@code flush.ms}
 * has passed and writes checkpoints (recovery point, log start offset, leader epochs) that are due.
 *
 * <p>Threads: {@link #request} from any thread (the partitions' writers); everything else on the flusher
 * thread. Owns its thread and queue; {@link #close()} drains pending requests and stops.
 */
final class Flusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);
    private static final Request STOP = new Request(null, null);

    private record Request(Log log, CompletableFuture<Void> future) {
    }

    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Set<Log> logs = ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private final long checkpointIntervalMs;
    private final long pollMs;
    private final Thread thread;
    private volatile boolean stopped;

    Flusher(String name, Clock clock, long checkpointIntervalMs, long pollMs) {
        this.clock = clock;
        this.checkpointIntervalMs = checkpointIntervalMs;
        this.pollMs = pollMs;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void register(Log l) {
        logs.add(l);
    }

    void unregister(Log l) {
        logs.remove(l);
    }

    /**
     * Asks for {@code l} to be forced up to its current log end offset; {@code future} (may be null)
     * completes after that, or exceptionally if the flush fails. Any thread.
     */
    void request(Log l, CompletableFuture<Void> future) {
        if (stopped) {
            if (future != null) {
                future.completeExceptionally(new IllegalStateException("The log manager is closed"));
            }
            return;
        }
        queue.add(new Request(l, future));
    }

    /**
     * A future completed by the flusher thread after it has handled every request queued before this call and
     * then run one periodic pass ({@code flush.ms} flushes, due checkpoints) at the clock's current time: a
     * deterministic synchronisation point for tests. Any thread.
     */
    CompletableFuture<Void> barrier() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        request(null, f);
        return f;
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        List<CompletableFuture<Void>> barriers = new ArrayList<>();
        Map<Log, Boolean> flushed = new IdentityHashMap<>();
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            flushed.clear();
            try {
                Request first = queue.poll(pollMs, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch);
                }
            } catch (InterruptedException e) {
                stopping = true;
            }
            for (Request r : batch) {
                if (r == STOP) {
                    stopping = true;
                    continue;
                }
                if (r.log == null) {
                    barriers.add(r.future);
                    continue;
                }
                Boolean ok = flushed.get(r.log);
                if (ok == null) {
                    ok = flushQuietly(r.log);
                    flushed.put(r.log, ok);
                }
                if (r.future != null) {
                    if (ok) {
                        r.future.complete(null);
                    } else {
                        r.future.completeExceptionally(new IllegalStateException("Flush failed for " + r.log.name()));
                    }
                }
            }
            periodic();
            for (CompletableFuture<Void> b : barriers) {
                b.complete(null);
            }
            barriers.clear();
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

    private void periodic() {
        long now = clock.milliseconds();
        for (Log l : logs) {
            try {
                if (l.flushMsDue(now)) {
                    flushQuietly(l);
                }
                l.maybeWriteCheckpoints(now, checkpointIntervalMs);
            } catch (Exception e) {
                log.error("[log={}] Checkpoint failed", l.name(), e);
            }
        }
    }

    /** Completes pending requests, then stops the thread. */
    @Override
    public void close() {
        queue.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        for (Request r : left) {
            if (r != STOP && r.future != null) {
                r.future.completeExceptionally(new IllegalStateException("The log manager is closed"));
            }
        }
    }
}
