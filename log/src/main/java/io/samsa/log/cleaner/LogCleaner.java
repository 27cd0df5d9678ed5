package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.common.Disk;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.common.ThreadExecutor;
import io.samsa.log.CleanerConfig;
import io.samsa.log.CleanerStats;
import io.samsa.log.FileForcer;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.segment.LogSegment;
import io.samsa.log.segment.SegmentHandles;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The log cleaner of one data directory: compacts the logs whose {@code cleanup.policy} includes {@code compact},
 * keeping the latest record of each key, off the partitions' hot path.
 *
 * <p><b>Threads.</b> {@code log.cleaner.threads} workers, each a {@link SerialExecutor} (its own thread in production;
 * a simulation passes its simulated executors). A worker picks the dirtiest log nobody cleans, runs one
 * {@link CleaningPass} over it as a chain of short steps, and looks again; with nothing to do it waits
 * {@code log.cleaner.backoff.ms} (or until {@link #wakeUp}). A log is cleaned by one worker at a time. The segment list
 * changes only on the log's writer thread ({@link Log#attachWriter}), which the pass asks for a snapshot at its start
 * and for each swap: the writer never waits for the cleaner, and the cleaner never touches the segment list.
 *
 * <p><b>Which log.</b> A compacted log with a writer is cleanable when its dirty ratio (bytes written since the last
 * pass over the log's bytes, counting only inactive segments below the high watermark, the first open transaction and
 * {@code min.compaction.lag.ms}) exceeds {@code min.cleanable.dirty.ratio}; or its oldest dirty batch is older than
 * {@code max.compaction.lag.ms}; or a tombstone or marker it kept passed its delete horizon (a Samsa addition: Kafka
 * waits for the next pass the dirty ratio triggers). The dirtiest is cleaned first.
 *
 * <p><b>State.</b> {@code cleaner-offset-checkpoint} in the data directory remembers where each log's dirty section
 * starts, written after every pass; {@link #stats()} counts. Thread-safe; {@link #close} stops the workers (a pass in
 * the middle is abandoned; its files are deleted at the next load).
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    private final CleanerConfig config;
    private final Disk disk;
    private final FileForcer forcer;
    private final Clock clock;
    private final Supplier<Collection<Log>> logs;
    private final CleanerCheckpoint checkpointFile;
    private final Throttler throttler;
    private final CleanerStats stats = new CleanerStats();
    private final List<Worker> workers = new ArrayList<>();
    private final List<ThreadExecutor> ownThreads = new ArrayList<>();
    private final Map<String, Long> checkpoints;
    private final Map<String, Long> horizons = new HashMap<>();
    private final Set<String> inProgress = new HashSet<>();
    private final Set<String> uncleanable = new HashSet<>();
    private volatile boolean closed;

    /**
     * A cleaner for the logs {@code logs} lists (those of {@code dataDir}). With {@code executors} null it starts
     * {@code config.threads()} threads of its own, else one worker per executor given (it does not own them).
     */
    public LogCleaner(CleanerConfig config, Path dataDir, Disk disk, FileForcer forcer, Clock clock,
                      Supplier<Collection<Log>> logs, List<? extends SerialExecutor> executors) {
        this.config = config;
        this.disk = disk;
        this.forcer = forcer;
        this.clock = clock;
        this.logs = logs;
        this.checkpointFile = new CleanerCheckpoint(disk, dataDir, forcer);
        this.checkpoints = checkpointFile.read();
        this.throttler = new Throttler(config.maxIoBytesPerSecond(), clock);
        List<SerialExecutor> execs = new ArrayList<>();
        if (executors == null) {
            for (int i = 0; i < config.threads(); i++) {
                ThreadExecutor t = new ThreadExecutor("samsa-log-cleaner-" + i);
                ownThreads.add(t);
                execs.add(t);
            }
        } else {
            execs.addAll(executors);
        }
        for (SerialExecutor e : execs) {
            workers.add(new Worker(workers.size(), e));
        }
    }

    /** Starts the workers. */
    public void start() {
        log.info("Log cleaner started: {} threads, {} keys per offset map, {} bytes of I/O buffer each", workers.size(),
                config.maxKeysPerThread(), config.ioBufferBytes());
        stats.checked(clock.milliseconds());
        for (Worker w : workers) {
            w.executor.execute(w::tick);
        }
    }

    /** Makes idle workers look for work now instead of after their backoff (tests, a config change). */
    public void wakeUp() {
        for (Worker w : workers) {
            w.executor.execute(w::wake);
        }
    }

    public CleanerStats stats() {
        return stats;
    }

    /** The checkpointed first dirty offset of a log, or -1 (tests, tools). */
    public synchronized long checkpoint(String logName) {
        return checkpoints.getOrDefault(logName, -1L);
    }

    /** Forgets a deleted log: its checkpoint, horizon and ratio. Any thread. */
    public synchronized void forget(String logName) {
        checkpoints.remove(logName);
        horizons.remove(logName);
        uncleanable.remove(logName);
        stats.deleted(logName);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ThreadExecutor t : ownThreads) {
            t.close(30_000);
        }
        for (Worker w : workers) {
            w.release();
        }
    }

    // ---------------------------------------------------------------- for passes

    CleanerConfig config() {
        return config;
    }

    Disk disk() {
        return disk;
    }

    FileForcer forcer() {
        return forcer;
    }

    Clock clock() {
        return clock;
    }

    Throttler throttler() {
        return throttler;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * The first dirty offset of {@code log}: its checkpoint, unless that is outside [log start, active base] (the log
     * was recreated or truncated below it), or a truncation since went below it.
     */
    synchronized long firstDirtyOffset(Log target, long logStart, long activeBase) {
        long cp = checkpoints.getOrDefault(target.name(), logStart);
        long truncated = target.cleanerTruncationMark();
        if (truncated < cp) {
            cp = truncated;
            target.clearCleanerTruncationMark(truncated);
        }
        if (cp < logStart || cp > activeBase) {
            cp = logStart;
        }
        return cp;
    }

    synchronized void passDone(Worker worker, Log target, long endOffset, long nextHorizon, long bytesRead,
                               long bytesWritten, long records, long removed, long ms, double utilization) {
        String name = target.name();
        inProgress.remove(name);
        if (nextHorizon == Long.MAX_VALUE) {
            horizons.remove(name);
        } else {
            horizons.put(name, nextHorizon);
        }
        if (!target.isOffline()) {
            checkpoints.put(name, endOffset);
            writeCheckpoints();
        }
        stats.passDone(worker.index, bytesRead, bytesWritten, records, removed, ms, clock.milliseconds(), utilization);
    }

    synchronized void passNothingToDo(Log target) {
        inProgress.remove(target.name());
        horizons.remove(target.name());
    }

    synchronized void passAborted(Log target, Throwable error, boolean fatal) {
        inProgress.remove(target.name());
        stats.passAborted();
        if (error == null || target.isOffline() || closed) {
            return;
        }
        if (fatal) {
            uncleanable.add(target.name());
            stats.uncleanable(target.name());
            log.warn("[partition={}] Cleaning failed; the log is left uncleaned until restart", target.name(), error);
        } else if (error instanceof SegmentGoneException) {
            log.info("[partition={}] Cleaning stopped: {}", target.name(), error.getMessage());
        } else {
            log.warn("[partition={}] Cleaning failed; it will be retried", target.name(), error);
        }
    }

    private void writeCheckpoints() {
        Set<String> live = new HashSet<>();
        for (Log l : logs.get()) {
            live.add(l.name());
        }
        checkpoints.keySet().retainAll(live);
        try {
            checkpointFile.write(checkpoints);
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write the cleaner checkpoint: {}", e.toString());
        }
    }

    // ---------------------------------------------------------------- choosing a log

    /** The log to clean next and why, claimed for the caller; null when none needs cleaning. */
    private synchronized Choice choose() {
        long now = clock.milliseconds();
        stats.checked(now);
        Choice best = null;
        for (Log l : logs.get()) {
            String name = l.name();
            LogConfig cfg = l.config();
            if (!cfg.compact()) {
                stats.forget(name);
                continue;
            }
            if (l.isOffline() || l.cleanerWriter() == null || inProgress.contains(name)
                    || uncleanable.contains(name)) {
                continue;
            }
            Choice c = measure(l, cfg, now);
            if (c == null) {
                continue;
            }
            stats.dirtyRatio(name, c.ratio);
            boolean horizonDue = horizons.getOrDefault(name, Long.MAX_VALUE) <= now && c.cleanBytes > 0;
            boolean due = c.dirtyBytes > 0 && (c.ratio > cfg.minCleanableDirtyRatio() || c.overdue) || horizonDue;
            if (due && (best == null || c.ratio > best.ratio)) {
                best = new Choice(l, c.ratio, c.cleanBytes, c.dirtyBytes, c.overdue, horizonDue);
            }
        }
        if (best != null) {
            inProgress.add(best.log.name());
        }
        return best;
    }

    private record Choice(Log log, double ratio, long cleanBytes, long dirtyBytes, boolean overdue,
                          boolean horizonDue) {
    }

    /** The log's clean and dirty bytes as things stand, from any thread (volatile reads, no writer hop). */
    private Choice measure(Log l, LogConfig cfg, long now) {
        List<LogSegment> segs = l.segmentsForCleaning();
        if (segs.size() < 2) {
            return null;
        }
        LogSegment active = segs.get(segs.size() - 1);
        List<LogSegment> inactive = segs.subList(0, segs.size() - 1);
        long activeBase = active.baseOffset();
        long firstDirty = firstDirtyOffset(l, l.logStartOffset(), activeBase);
        CleaningSnapshot view = new CleaningSnapshot(inactive, activeBase, l.logStartOffset(),
                l.firstUnstableOffset(), l.cleanerHighWatermark(), -1, Map.of(), cfg);
        long firstUncleanable = CleaningPass.firstUncleanableOffset(view, cfg, now);
        long clean = 0;
        long dirty = 0;
        LogSegment firstDirtySegment = null;
        for (int i = 0; i < inactive.size(); i++) {
            LogSegment s = inactive.get(i);
            long upper = i + 1 < inactive.size() ? inactive.get(i + 1).baseOffset() : activeBase;
            if (upper <= firstDirty) {
                clean += s.size();
            } else if (s.baseOffset() < firstUncleanable) {
                dirty += s.size();
                if (firstDirtySegment == null) {
                    firstDirtySegment = s;
                }
            }
        }
        double ratio = clean + dirty == 0 ? 0 : (double) dirty / (clean + dirty);
        boolean overdue = false;
        if (cfg.maxCompactionLagMs() != Long.MAX_VALUE && firstDirtySegment != null) {
            long first = firstBatchTimestamp(firstDirtySegment);
            overdue = first >= 0 && now - first > cfg.maxCompactionLagMs();
        }
        return new Choice(l, ratio, clean, dirty, overdue, false);
    }

    private static long firstBatchTimestamp(LogSegment s) {
        SegmentHandles h = s.acquire();
        if (h == null) {
            return -1;
        }
        try {
            ByteBuffer hdr = ByteBuffer.allocate(RecordBatchView.HEADER_SIZE);
            while (hdr.hasRemaining()) {
                if (h.channel().read(hdr, hdr.position()) < 0) {
                    return -1;
                }
            }
            return hdr.getLong(RecordBatchView.BASE_TIMESTAMP_OFFSET);
        } catch (IOException e) {
            return -1;
        } finally {
            h.release();
        }
    }

    // ---------------------------------------------------------------- workers

    /** One cleaner thread: its executor, offset map and buffers, and its backoff timer. */
    final class Worker {
        private final int index;
        private final SerialExecutor executor;
        private final OffsetMap map;
        private final BatchReader reader;
        private final BatchFilter filter = new BatchFilter();
        private final ByteBuf writeBuffer;
        private Scheduler.Cancellable backoff;
        private boolean busy;

        Worker(int index, SerialExecutor executor) {
            this.index = index;
            this.executor = executor;
            this.map = new OffsetMap(config.loadFactor());
            this.reader = new BatchReader(Math.max(1024, config.ioBufferBytes() / 2));
            this.writeBuffer = Unpooled.buffer(Math.max(1024, config.ioBufferBytes() / 2));
        }

        SerialExecutor executor() {
            return executor;
        }

        OffsetMap map() {
            return map;
        }

        int maxKeys() {
            return config.maxKeysPerThread();
        }

        BatchReader reader() {
            return reader;
        }

        BatchFilter filter() {
            return filter;
        }

        ByteBuf writeBuffer() {
            return writeBuffer;
        }

        /** Looks for a log to clean; runs a pass or backs off. Worker's executor. */
        void tick() {
            backoff = null;
            if (closed || busy) {
                return;
            }
            Choice c;
            try {
                c = choose();
            } catch (RuntimeException e) {
                log.warn("Choosing a log to clean failed", e);
                c = null;
            }
            if (c == null) {
                backoff = executor.schedule(this::tick, config.backoffMs());
                return;
            }
            busy = true;
            new CleaningPass(LogCleaner.this, this, c.log, c.horizonDue, c.ratio).start();
        }

        void wake() {
            if (busy || closed) {
                return;
            }
            if (backoff != null) {
                backoff.cancel();
                backoff = null;
            }
            tick();
        }

        /**
         * The pass ended: look again at once after a pass that cleaned, after the backoff otherwise (nothing to do
         * after all, or the log changed under it), so that a log that looks dirty but is not cannot keep the worker
         * spinning. Worker's executor.
         */
        void passEnded(boolean cleaned) {
            busy = false;
            if (closed) {
                return;
            }
            if (cleaned) {
                executor.execute(this::tick);
            } else {
                backoff = executor.schedule(this::tick, config.backoffMs());
            }
        }

        void release() {
            if (backoff != null) {
                backoff.cancel();
            }
            filter.close();
        }
    }
}
