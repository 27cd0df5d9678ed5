package io.samsa.log.cleaner;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.segment.LogSegment;
import io.samsa.log.segment.RecordTimestamps;
import io.samsa.log.segment.RecordWalker;
import io.samsa.log.segment.SegmentHandles;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One cleaning pass over one log, as a chain of short steps on its cleaner thread's executor (each reads or writes
 * about one I/O buffer, then yields, or waits when the throttle asks):
 *
 * <ol>
 *   <li><b>Snapshot</b>, on the log's writer: its inactive segments, bounds and producers ({@link CleaningSnapshot}).
 *   </li>
 *   <li><b>Map</b>: the dirty section, from the first dirty offset (the cleaner checkpoint) to the first uncleanable
 *       offset (the active segment, the high watermark, the first open transaction, {@code min.compaction.lag.ms}),
 *       goes into the offset map, key by key; aborted data and markers are skipped. When the map is full the pass
 *       cleans up to where it stopped (the end offset) and the next pass goes on from there.</li>
 *   <li><b>Rewrite</b>: every segment from the log start to the end offset, in groups that fit one segment
 *       ({@code segment.bytes}, the index size, 2^31 offsets; judged by what the group kept so far, see
 *       {@link #joins}), is rewritten through a {@link BatchFilter} into a
 *       {@link CleanedSegment}, forced, and handed to the writer to swap in ({@link SwapManifest},
 *       {@code Log.replaceSegments}); the pass goes on when the writer answers.</li>
 *   <li><b>Done</b>: the end offset becomes the log's cleaner checkpoint; producer snapshots below it are deleted (a
 *       snapshot older than a removed marker could bring back a finished transaction).</li>
 * </ol>
 *
 * If the log changes under the pass (truncated, a segment deleted by retention, closed or deleted), the writer refuses
 * the swap and the pass ends without effect; the next one starts over. Not thread-safe: confined to one cleaner
 * thread, apart from the tasks it hands to the writer.
 */
final class CleaningPass {
    private static final Logger log = LoggerFactory.getLogger(CleaningPass.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private enum Phase { SNAPSHOT, MAP, REWRITE, SWAP, DONE }

    /**
     * The most segments one swap replaces. The writer renames every replaced segment's files in the swap (a few
     * renames each, 10-30 us apiece on ext4), and the writer is a shard thread other partitions wait on: 100 segments
     * in one swap stalled their appends for ~10 ms; 8 keep a swap near a millisecond while still forcing and swapping
     * one file for eight.
     */
    static final int MAX_GROUP_SEGMENTS = 8;

    private final LogCleaner cleaner;
    private final LogCleaner.Worker worker;
    private final Log target;
    private final String prefix;
    private final boolean horizonDue;
    private final double dirtyRatio;
    private final RecordCursor cursor = new RecordCursor();
    private Phase phase = Phase.SNAPSHOT;
    private CleaningSnapshot snap;
    private LogConfig cfg;
    private long startedMs;
    private long now;
    private long firstDirty;
    private long firstUncleanable;
    private long endOffset;

    private List<LogSegment> scan;
    private int scanIndex;
    private SegmentHandles handles;
    private TransactionTracker mapTxns;
    private boolean mapFull;

    /** The segments this pass rewrites (a prefix of the snapshot's), and the next one to take. */
    private List<LogSegment> toClean;
    private int nextToClean;
    /** The group being rewritten into {@link #out}: consecutive segments, swapped in as one. */
    private List<LogSegment> group;
    private CleanedSegment out;
    private long bytesRead;
    /** CPU time the cleaner thread spent in this pass's steps (-1 where the JVM cannot tell). */
    private long cpuNanos;
    private long bytesWritten;
    private long bytesBefore;
    private int segmentsCleaned;
    private long pendingDelay;

    CleaningPass(LogCleaner cleaner, LogCleaner.Worker worker, Log target, boolean horizonDue, double dirtyRatio) {
        this.cleaner = cleaner;
        this.worker = worker;
        this.target = target;
        this.prefix = "[partition=" + target.name() + "] ";
        this.horizonDue = horizonDue;
        this.dirtyRatio = dirtyRatio;
    }

    /** Starts the pass: asks the writer for a snapshot. Cleaner thread. */
    void start() {
        startedMs = cleaner.clock().milliseconds();
        Executor writer = target.cleanerWriter();
        if (writer == null) {
            end(false, null);
            return;
        }
        try {
            writer.execute(() -> {
                CleaningSnapshot s = null;
                RuntimeException error = null;
                try {
                    if (!target.isOffline()) {
                        s = target.snapshotForCleaning();
                    }
                } catch (RuntimeException e) {
                    error = e;
                }
                CleaningSnapshot taken = s;
                RuntimeException failed = error;
                worker.executor().execute(() -> planned(taken, failed));
            });
        } catch (RejectedExecutionException e) {
            end(false, null);
        }
    }

    private void planned(CleaningSnapshot s, RuntimeException error) {
        if (error != null || s == null || stopped()) {
            end(false, error);
            return;
        }
        snap = s;
        cfg = s.config();
        now = cleaner.clock().milliseconds();
        firstDirty = cleaner.firstDirtyOffset(target, s.logStartOffset(), s.activeBase());
        firstUncleanable = firstUncleanableOffset(s, cfg, now);
        scan = new ArrayList<>();
        for (int i = 0; i < s.segments().size(); i++) {
            LogSegment seg = s.segments().get(i);
            long upper = upper(s.segments(), i, s.activeBase());
            if (upper > firstDirty && seg.baseOffset() < firstUncleanable) {
                scan.add(seg);
            }
        }
        endOffset = firstDirty;
        if (scan.isEmpty() && !horizonDue) {
            end(true, null);
            return;
        }
        mapTxns = new TransactionTracker(abortedStartingBelow(firstDirty, firstUncleanable));
        long range = Math.max(1, firstUncleanable - firstDirty);
        worker.map().reset((int) Math.min(worker.maxKeys(), range));
        phase = Phase.MAP;
        worker.executor().execute(this::step);
    }

    /**
     * The aborted transactions with data in [{@code from}, {@code upper}): their markers may lie anywhere after, even
     * in the active segment, whose transaction index holds them, so every index from {@code from} on is read.
     */
    private List<AbortedTransaction> abortedStartingBelow(long from, long upper) {
        List<AbortedTransaction> out = new ArrayList<>();
        for (AbortedTransaction t : target.collectAbortedTransactions(from, Long.MAX_VALUE)) {
            if (t.firstOffset() < upper) {
                out.add(t);
            }
        }
        return out;
    }

    /** The offset after segment {@code i}: the next segment's base, or the active segment's for the last. */
    private static long upper(List<LogSegment> segs, int i, long activeBase) {
        return i + 1 < segs.size() ? segs.get(i + 1).baseOffset() : activeBase;
    }

    /**
     * The first offset this pass may not clean: the active segment's base, the high watermark, the first unstable
     * offset, and the first segment younger than {@code min.compaction.lag.ms}.
     */
    static long firstUncleanableOffset(CleaningSnapshot s, LogConfig cfg, long now) {
        long bound = Math.min(s.activeBase(), s.highWatermark());
        if (s.firstUnstable() >= 0) {
            bound = Math.min(bound, s.firstUnstable());
        }
        if (cfg.minCompactionLagMs() > 0) {
            for (LogSegment seg : s.segments()) {
                if (seg.baseOffset() >= bound) {
                    break;
                }
                long ts = seg.maxTimestamp() >= 0 ? seg.maxTimestamp() : seg.lastModifiedMs();
                if (ts > now - cfg.minCompactionLagMs()) {
                    bound = Math.min(bound, seg.baseOffset());
                    break;
                }
            }
        }
        return bound;
    }

    private boolean stopped() {
        return cleaner.isClosed() || target.isOffline();
    }

    /** One step of the map or rewrite phase. Cleaner thread. */
    private void step() {
        if (stopped()) {
            end(false, null);
            return;
        }
        long cpuBefore = cpuNanos >= 0 ? THREADS.getCurrentThreadCpuTime() : -1;
        try {
            if (phase == Phase.MAP) {
                mapSome(cleaner.config().ioBufferBytes());
            } else if (phase == Phase.REWRITE) {
                rewriteSome(cleaner.config().ioBufferBytes());
            }
        } catch (IOException | RuntimeException e) {
            end(false, e);
            return;
        } finally {
            cpuNanos = cpuBefore < 0 ? -1 : cpuNanos + THREADS.getCurrentThreadCpuTime() - cpuBefore;
        }
        long read = worker.reader().takeBytesRead();
        long traffic = read + (out == null ? 0 : out.takeWritten());
        bytesRead += read;
        if (phase == Phase.MAP || phase == Phase.REWRITE) {
            long delay = cleaner.throttler().delayFor(traffic);
            if (delay > 0) {
                worker.executor().schedule(this::step, delay);
            } else {
                worker.executor().execute(this::step);
            }
        } else if (phase == Phase.SWAP) {
            // Waiting for the writer now; the pause the throttle asks for is taken before the next group.
            pendingDelay = cleaner.throttler().delayFor(traffic);
        }
    }

    // ---------------------------------------------------------------- map

    private void mapSome(int budget) throws IOException {
        OffsetMap map = worker.map();
        while (budget > 0) {
            if (handles == null) {
                if (scanIndex >= scan.size() || mapFull) {
                    mapDone();
                    return;
                }
                LogSegment seg = scan.get(scanIndex);
                openSegment(seg, seg.baseOffset() < firstDirty ? firstDirty : -1);
            }
            RecordBatchView v = worker.reader().next();
            if (v == null) {
                // The whole segment is mapped: its offsets up to the next segment are (a gap left by an earlier
                // pass, or batches whose last records were removed, must not keep the log looking dirty).
                closeSegment();
                endOffset = Math.max(endOffset, Math.min(firstUncleanable,
                        upper(snap.segments(), snap.segments().indexOf(scan.get(scanIndex)), snap.activeBase())));
                scanIndex++;
                continue;
            }
            budget -= v.sizeInBytes();
            if (v.lastOffset() < firstDirty) {
                continue;
            }
            if (v.baseOffset() >= firstUncleanable) {
                mapFull = true;
                closeSegment();
                continue;
            }
            if (v.isControl()) {
                mapTxns.onMarker(v, v.recordCount() > 0 ? RecordWalker.controlType(v) : -1);
                mapTxns.takeRetainedAborts();
            } else if (!mapTxns.onData(v) && v.recordCount() > 0) {
                if (map.size() + v.recordCount() > map.maxSize()) {
                    if (endOffset == firstDirty) {
                        throw new IllegalStateException("A batch of " + v.recordCount() + " records at offset "
                                + v.baseOffset() + " does not fit the offset map of " + map.maxSize()
                                + " keys: raise log.cleaner.dedupe.buffer.size");
                    }
                    mapFull = true;
                    closeSegment();
                    continue;
                }
                cursor.open(v, UnpooledByteBufAllocator.DEFAULT, RecordTimestamps.MAX_DECOMPRESSED_BYTES);
                while (cursor.next()) {
                    if (cursor.keyLength() >= 0 && cursor.offset() >= firstDirty) {
                        map.put(cursor.buffer(), cursor.keyIndex(), cursor.keyLength(), cursor.offset());
                    }
                }
                cursor.close();
            }
            endOffset = v.lastOffset() + 1;
        }
    }

    private void openSegment(LogSegment seg, long fromOffset) throws IOException {
        SegmentHandles h = seg.acquire();
        if (h == null) {
            throw new SegmentGoneException(seg + " was deleted while the cleaner read it");
        }
        handles = h;
        int from = fromOffset < 0 ? 0 : h.offsetIndex().lookup(fromOffset);
        worker.reader().open(h.channel(), seg.logFile().toString(), from, seg.size());
    }

    private void closeSegment() {
        if (handles != null) {
            handles.release();
            handles = null;
        }
    }

    private void mapDone() {
        closeSegment();
        if (endOffset <= firstDirty && !horizonDue) {
            end(true, null);
            return;
        }
        int count = 0;
        while (count < snap.segments().size() && snap.segments().get(count).baseOffset() < endOffset) {
            count++;
        }
        if (count == 0) {
            end(true, null);
            return;
        }
        toClean = snap.segments().subList(0, count);
        long upper = upper(snap.segments(), count - 1, snap.activeBase());
        TransactionTracker txns = new TransactionTracker(abortedStartingBelow(toClean.get(0).baseOffset(), upper));
        worker.filter().begin(worker.map(), endOffset, now, cfg.deleteRetentionMs(), snap.producers(), txns);
        phase = Phase.REWRITE;
    }

    /**
     * Whether the next segment to clean may join the group being written: the group holds fewer than
     * {@link #MAX_GROUP_SEGMENTS} segments and must still fit one segment even if every record of the next is kept: at most {@code segment.bytes} of data, an index of at most
     * {@code segment.index.bytes} at one entry per {@code index.interval.bytes}, and offsets within 2^31 of the
     * group's base. The group is judged by what was written so far, not by what was read: where cleaning removes most
     * records, dozens of segments become one, one swap and one forced file instead of dozens (Kafka groups by the
     * input's size, so it swaps once per segment here).
     */
    private boolean joins(LogSegment next) {
        long maxEntries = Math.max(1, cfg.segmentIndexBytes() / 12 - 1);
        long interval = Math.max(1, cfg.indexIntervalBytes());
        long worstBytes = out.size() + next.size();
        long worstEntries = worstBytes / interval + group.size() + 1;
        long upper = upper(snap.segments(), nextToClean, snap.activeBase());
        return group.size() < MAX_GROUP_SEGMENTS && worstBytes <= cfg.segmentBytes() && worstEntries <= maxEntries
                && upper - 1 - group.get(0).baseOffset() <= Integer.MAX_VALUE;
    }

    // ---------------------------------------------------------------- rewrite

    private void rewriteSome(int budget) throws IOException {
        while (budget > 0) {
            if (out == null) {
                LogSegment first = toClean.get(nextToClean++);
                out = new CleanedSegment(cleaner.disk(), target.dir(), first.baseOffset(), cfg.segmentIndexBytes(),
                        cfg.indexIntervalBytes(), worker.writeBuffer());
                group = new ArrayList<>();
                group.add(first);
                openSegment(first, -1);
                bytesBefore += first.size();
            }
            RecordBatchView v = worker.reader().next();
            if (v == null) {
                closeSegment();
                if (nextToClean < toClean.size() && joins(toClean.get(nextToClean))) {
                    LogSegment next = toClean.get(nextToClean++);
                    group.add(next);
                    openSegment(next, -1);
                    bytesBefore += next.size();
                    continue;
                }
                swap(group);
                return;
            }
            budget -= v.sizeInBytes();
            worker.filter().filter(v, out);
        }
    }

    private void swap(List<LogSegment> group) throws IOException {
        int present = out.finish(cleaner.forcer());
        long written = out.size();
        long base = out.base();
        out.close();
        long[] bases = new long[group.size()];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = group.get(i).baseOffset();
        }
        SwapManifest manifest = SwapManifest.prepare(cleaner.disk(), target.dir(), out, present, bases,
                cleaner.forcer());
        // The old segments' handles, opened here rather than on the writer: the swap pins them for their readers.
        List<SegmentHandles> held = new ArrayList<>();
        for (LogSegment s : group) {
            SegmentHandles h = s.acquire();
            if (h == null) {
                for (SegmentHandles taken : held) {
                    taken.release();
                }
                throw new SegmentGoneException(s + " was deleted before its swap");
            }
            held.add(h);
        }
        phase = Phase.SWAP;
        Executor writer = target.cleanerWriter();
        try {
            writer.execute(() -> {
                boolean swapped = false;
                RuntimeException error = null;
                try {
                    swapped = target.replaceSegments(group, held, manifest, snap.truncations(), worker.executor());
                } catch (RuntimeException e) {
                    error = e;
                }
                boolean done = swapped;
                RuntimeException failed = error;
                worker.executor().execute(() -> swapped(done, failed, manifest, written, group.size()));
            });
        } catch (RejectedExecutionException e) {
            for (SegmentHandles h : held) {
                h.release();
            }
            SwapManifest.discard(cleaner.disk(), target.dir(), base);
            out = null;
            end(false, null);
        }
    }

    private void swapped(boolean done, RuntimeException error, SwapManifest manifest, long written, int segments) {
        out = null;
        if (error != null) {
            // The writer failed after the commit point (the log went offline): recovery finishes the swap.
            end(false, error);
            return;
        }
        if (!done) {
            SwapManifest.discard(cleaner.disk(), target.dir(), manifest.newBase());
            log.info("{}Cleaning stopped: the log changed under it (truncated, retention, closed); it will be retried",
                    prefix);
            end(false, null);
            return;
        }
        bytesWritten += written;
        segmentsCleaned += segments;
        warm(manifest.newBase());
        if (nextToClean < toClean.size() && !stopped()) {
            phase = Phase.REWRITE;
            if (pendingDelay > 0) {
                worker.executor().schedule(this::step, pendingDelay);
            } else {
                worker.executor().execute(this::step);
            }
        } else if (nextToClean < toClean.size()) {
            end(false, null);
        } else {
            end(true, null);
        }
    }

    /**
     * Opens the swapped-in segment's handles here, so that they wait in the handle cache: its first reader (a fetch,
     * on a shard) then finds them open instead of opening the files on its event loop.
     */
    private void warm(long base) {
        for (LogSegment s : target.segmentsForCleaning()) {
            if (s.baseOffset() == base) {
                SegmentHandles h = s.acquire();
                if (h != null) {
                    h.release();
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------- end

    private void end(boolean completed, Throwable error) {
        if (phase == Phase.DONE) {
            return;
        }
        boolean cleaned = completed && toClean != null;
        phase = Phase.DONE;
        closeSegment();
        cursor.close();
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.debug("{}Closing an abandoned cleaned segment: {}", prefix, e.toString());
            }
            SwapManifest.discard(cleaner.disk(), target.dir(), out.base());
            out = null;
        }
        long tookMs = cleaner.clock().milliseconds() - startedMs;
        if (cleaned) {
            BatchFilter f = worker.filter();
            cleaner.passDone(worker, target, endOffset, f.nextHorizon(), bytesRead, bytesWritten, f.recordsRead(),
                    f.recordsRead() - f.recordsKept(), tookMs, worker.map().utilization());
            target.deleteProducerSnapshotsBelow(endOffset);
            double mbps = tookMs <= 0 ? 0 : bytesBefore / 1024.0 / 1024.0 / (tookMs / 1000.0);
            log.info("{}Cleaned {} segments up to offset {} (dirty ratio {}): {} bytes became {} ({}%), {} of {} "
                            + "records removed, map {} keys ({}% full), {} ms ({} ms of CPU), {} MB/s", prefix,
                    segmentsCleaned, endOffset, String.format("%.2f", dirtyRatio), bytesBefore, bytesWritten,
                    bytesBefore == 0 ? 100 : Math.round(100.0 * bytesWritten / bytesBefore),
                    f.recordsRead() - f.recordsKept(), f.recordsRead(), worker.map().size(),
                    Math.round(worker.map().utilization() * 100), tookMs, cpuNanos < 0 ? "?" : cpuNanos / 1_000_000,
                    String.format("%.1f", mbps));
        } else if (completed) {
            cleaner.passNothingToDo(target);
        } else {
            cleaner.passAborted(target, error, error instanceof CorruptSegmentException
                    || error instanceof IllegalStateException);
        }
        worker.passEnded(cleaned);
    }
}
