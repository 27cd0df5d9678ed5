package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.common.Clock;
import io.samsa.common.Disk;
import io.samsa.common.Scheduler;
import io.samsa.log.cleaner.CleaningSnapshot;
import io.samsa.log.cleaner.SwapManifest;
import io.samsa.log.producer.ProducerStateManager;
import io.samsa.log.recovery.CheckpointFile;
import io.samsa.log.recovery.LeaderEpochCache;
import io.samsa.log.recovery.PartitionMetadataFile;
import io.samsa.log.segment.ControlBatch;
import io.samsa.log.segment.HandleCache;
import io.samsa.log.segment.LogSegment;
import io.samsa.log.segment.RecordWalker;
import io.samsa.log.segment.SegmentHandles;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One partition's durable log: a directory of segments, appends with offset assignment, zero-copy reads,
 * timestamp lookups, retention, truncation, producer state, leader epochs and checkpoints.
 *
 * <p>Threads: one writer per partition (its shard thread). <b>Single-writer methods</b> (call only on that
 * thread): {@link #appendAsLeader}, {@link #appendAsCoordinator}, {@link #appendAsFollower},
 * {@link #appendTransactionMarker}, {@link #startTransactionVerification}, {@link #truncateTo},
 * {@link #truncateFullyAndStartAt}, {@link #increaseLogStartOffset},
 * {@link #deleteOldSegments}, {@link #removeExpiredProducers}, {@link #updateConfig}, {@link #producerState},
 * {@link #activeProducers}.
 * <b>Safe from any thread</b>: {@link #read}, {@link #offsetForTimestamp}, {@link #maxTimestampAndOffset},
 * {@link #collectAbortedTransactions}, {@link #endOffsetForEpoch}, {@link #epochForOffset} and the offset
 * getters, which read volatile fields the writer publishes after the bytes and index entries are in place. The
 * flusher calls the package-private flush and checkpoint methods, for one log on one thread at a time.
 *
 * <p>Owns its segments (the active one's open handles), its producer state and its checkpoint files; the
 * {@link LogManager} owns the shared handle cache, flusher and deletion scheduler. Created and closed by the
 * {@link LogManager}. Every file operation goes through the manager's {@link Disk}.
 */
public final class Log {
    private static final Logger log = LoggerFactory.getLogger(Log.class);

    public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    public static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    public static final String LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
    /**
     * The high watermark replication last gave this log (Kafka's {@code replication-offset-checkpoint}, which Kafka
     * keeps per data directory; Samsa keeps it beside the log's other checkpoints).
     */
    public static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
    /** The id of the topic the directory holds a partition of (KIP-516). */
    public static final String PARTITION_METADATA = "partition.metadata";

    private final String name;
    private final String prefix;
    private final Path dir;
    private final Disk disk;
    private final Clock clock;
    private final HandleCache cache;
    private final Flusher flusher;
    private final FileForcer forcer;
    private final Scheduler deleter;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    /**
     * Inactive segments whose indexes were finished (a roll's final time-index entry and trim, or a rebuild during
     * load) but not forced yet. The recovery point may already be past them, so the flusher forces them on its next
     * run whatever the recovery point, and until then the checkpointed recovery point stays at or below them.
     */
    private final ConcurrentLinkedQueue<LogSegment> indexesToForce = new ConcurrentLinkedQueue<>();
    private final LeaderEpochCache epochs = new LeaderEpochCache();
    private final ProducerStateManager producers;
    private final RecordBatchView view = new RecordBatchView();
    private final RecordValidator recordValidator = new RecordValidator(ByteBufAllocator.DEFAULT);
    private final Object recoveryLock = new Object();
    private final Flusher.Lane flushLane;

    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile long logEndOffset;
    private volatile long logStartOffset;
    private volatile long recoveryPoint;
    private volatile long firstUnstableOffset = -1;
    private volatile UUID topicId;
    private volatile boolean offline;
    /** Set when the log closes: a late append (a request the stopping broker still had) is refused, not crashed. */
    private volatile boolean closed;
    private volatile boolean dirDirty;
    private volatile boolean checkpointRequested;
    private volatile long lastFlushMs;
    private long truncations;
    private long activeCreatedMs;
    private long unflushedMessages;
    private long checkpointedRecoveryPoint = -1;
    private long checkpointedLogStart = -1;
    /** The high watermark replication last set (-1: never), checkpointed by the flusher and at a clean close. */
    private volatile long highWatermark = -1;
    private long checkpointedHighWatermark = -1;
    /** The checkpointed high watermark found at load, within the recovered log (-1: none). */
    private long recoveredHighWatermark = -1;
    private volatile long lastCheckpointMs;
    // The log cleaner's hooks (see the section at the end).
    private volatile Executor cleanerWriter;
    private volatile LongSupplier cleanerHighWatermark;
    private final AtomicLong cleanerTruncationMark = new AtomicLong(Long.MAX_VALUE);
    /** Bumped by every cleaner swap: a reader that walked the segments meanwhile walks them again. */
    private volatile long swaps;

    Log(String name, Path dir, Disk disk, LogConfig config, Clock clock, HandleCache cache, Flusher flusher,
        FileForcer forcer, Scheduler deleter) {
        this.name = name;
        this.prefix = "[partition=" + name + "] ";
        this.dir = dir;
        this.disk = disk;
        this.config = config;
        this.clock = clock;
        this.cache = cache;
        this.flusher = flusher;
        this.forcer = forcer;
        this.deleter = deleter;
        this.producers = new ProducerStateManager(disk, dir);
        this.flushLane = flusher.newLane(this);
        this.lastFlushMs = clock.milliseconds();
        this.lastCheckpointMs = lastFlushMs;
    }

    // ---------------------------------------------------------------- loading and recovery

    /**
     * Opens the log in {@code dir} (creating it when empty). With {@code clean}, indexes are trusted after a
     * sanity check and only the active segment's tail is scanned; otherwise every segment from the one
     * holding the recovery point is scanned, checked batch by batch, cut at the first invalid byte and
     * re-indexed. Producer state is rebuilt from the newest snapshot plus the batches after it.
     */
    void load(boolean clean) throws IOException {
        disk.createDirectories(dir);
        SwapManifest.recover(disk, dir, forcer);
        List<Long> bases = new ArrayList<>();
        for (Path p : disk.list(dir)) {
            String f = p.getFileName().toString();
            if (f.endsWith(LogSegment.DELETED_SUFFIX) || f.endsWith(".tmp")) {
                disk.deleteIfExists(p);
            } else if (f.endsWith(LogSegment.LOG_SUFFIX) && isOffsetName(f, LogSegment.LOG_SUFFIX)) {
                bases.add(Long.parseLong(f.substring(0, 20)));
            }
        }
        bases.sort(null);
        topicId = PartitionMetadataFile.read(disk, dir.resolve(PARTITION_METADATA));
        long rp = CheckpointFile.readSingle(disk, dir.resolve(RECOVERY_POINT_CHECKPOINT), 0);
        long lsoCk = CheckpointFile.readSingle(disk, dir.resolve(LOG_START_OFFSET_CHECKPOINT), -1);
        List<long[]> epochRows = CheckpointFile.read(disk, dir.resolve(LEADER_EPOCH_CHECKPOINT), 2);
        if (epochRows != null) {
            epochs.load(epochRows);
        }
        LogConfig cfg = config;
        long rescanned = Long.MAX_VALUE;
        for (long base : bases) {
            segments.put(base, LogSegment.open(disk, dir, base, cache, cfg.segmentIndexBytes(),
                    cfg.indexIntervalBytes()));
        }
        if (segments.isEmpty()) {
            long start = Math.max(lsoCk, 0);
            LogSegment s = LogSegment.create(disk, dir, start, cache, cfg.segmentIndexBytes(),
                    cfg.indexIntervalBytes());
            segments.put(start, s);
            dirDirty = true;
        } else if (clean) {
            loadClean();
        } else {
            rescanned = recoverFrom(rp);
        }
        active = segments.lastEntry().getValue();
        active.activate();
        activeCreatedMs = clock.milliseconds();
        logEndOffset = active.nextOffset();
        logStartOffset = Math.min(Math.max(lsoCk, segments.firstKey()), logEndOffset);
        synchronized (recoveryLock) {
            recoveryPoint = clean ? logEndOffset : Math.min(rp, logEndOffset);
        }
        long hwCk = CheckpointFile.readSingle(disk, dir.resolve(HIGH_WATERMARK_CHECKPOINT), -1);
        checkpointedHighWatermark = hwCk;
        // After a power loss the log may end below it (the file was forced, the data was not): what is left is
        // below what was committed.
        recoveredHighWatermark = hwCk < 0 ? -1 : Math.min(Math.max(hwCk, logStartOffset), logEndOffset);
        epochs.truncateFromEnd(logEndOffset);
        epochs.truncateFromStart(logStartOffset);
        // Replayed from a snapshot at or below the first rescanned segment, so that every abort marker recovery
        // rescanned gets its transaction-index entry back (the entry may not have reached the disk).
        rebuildProducerState(logEndOffset, Math.min(rescanned, logEndOffset));
        firstUnstableOffset = producers.firstUnstableOffset();
        log.info("{}Loaded {} segments ({} shutdown): log start {}, log end {}, recovery point {}", prefix,
                segments.size(), clean ? "clean" : "unclean", logStartOffset, logEndOffset, recoveryPoint);
    }

    private static boolean isOffsetName(String f, String suffix) {
        if (f.length() != 20 + suffix.length()) {
            return false;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(f.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private void loadClean() throws IOException {
        LogSegment last = segments.lastEntry().getValue();
        for (LogSegment s : segments.values()) {
            if (s == last) {
                long cut = s.loadTail(null);
                if (cut > 0) {
                    log.warn("{}Clean shutdown marker present but {} bytes were cut from {}", prefix, cut, s);
                }
            } else {
                checkOrRebuild(s);
            }
        }
    }

    private void checkOrRebuild(LogSegment s) throws IOException {
        String problem = s.checkIndexes();
        if (problem != null) {
            log.warn("{}Rebuilding the indexes of {}: {}", prefix, s, problem);
            s.recover(null);
            s.deactivate();
            indexesToForce.add(s);
        }
    }

    /** Rescans every segment from the one holding {@code rp}; returns the first rescanned segment's base. */
    private long recoverFrom(long rp) throws IOException {
        Long from = segments.floorKey(rp);
        if (from == null) {
            from = segments.firstKey();
        }
        for (LogSegment s : segments.headMap(from, false).values()) {
            checkOrRebuild(s);
        }
        // The segments rescanned say which epochs they hold: the checkpoint may be newer than their bytes (a power
        // loss can bring back a segment as it was before a truncation) or older. Their epochs are taken from the
        // batches again; kept, a newer checkpoint would hide them (an epoch is only assigned above the latest).
        epochs.truncateFromEnd(from);
        List<LogSegment> toRecover = new ArrayList<>(segments.tailMap(from, true).values());
        for (int i = 0; i < toRecover.size(); i++) {
            LogSegment s = toRecover.get(i);
            long cut = s.recover(v -> epochs.assign(v.partitionLeaderEpoch(), v.baseOffset()));
            s.txnIndex().truncateTo(s.nextOffset());
            boolean last = i == toRecover.size() - 1;
            LogSegment next = last ? null : toRecover.get(i + 1);
            // A segment that ends below the next one's base lost its tail in the crash while the roll's new file
            // survived: keeping the later segments would leave a hole of offsets below the log end.
            if (!last && (cut > 0 || s.nextOffset() != next.baseOffset())) {
                log.warn("{}Deleting {} segments after {} (it ends at offset {}, the next segment starts at {})",
                        prefix, toRecover.size() - i - 1, s, s.nextOffset(), next.baseOffset());
                for (LogSegment later : toRecover.subList(i + 1, toRecover.size())) {
                    segments.remove(later.baseOffset());
                    later.renameForDeletion();
                    later.deleteFiles();
                }
                break;
            }
            if (!last) {
                s.deactivate();
                indexesToForce.add(s);
            }
        }
        // An empty segment left at the end after cuts stays as the active one.
        return from;
    }

    /**
     * Rebuilds the producer state at {@code end}: the newest snapshot at or below {@code snapshotAtOrBelow}, then
     * every batch after it (re-adding missing aborted-transaction entries on the way).
     */
    private void rebuildProducerState(long end, long snapshotAtOrBelow) throws IOException {
        producers.deleteSnapshotsAbove(end);
        long snap = producers.loadLatestSnapshot(snapshotAtOrBelow);
        long firstSegment = segments.firstKey();
        if (snap >= 0 && snap < firstSegment) {
            // Retention removed the batches between the snapshot and the first segment: replaying across that gap
            // would miss them (a transaction they ended would stay open forever). Start empty at the first segment,
            // as Kafka does; producers known only from the removed batches are forgotten.
            log.info("{}The producer snapshot at {} is older than the first segment {}; rebuilding from there",
                    prefix, snap, firstSegment);
            producers.clear(firstSegment);
            snap = -1;
        }
        long from = snap >= 0 ? snap : firstSegment;
        producers.setMapEndOffset(from);
        if (from >= end) {
            return;
        }
        Long first = segments.floorKey(from);
        NavigableMap<Long, LogSegment> tail = first == null ? segments : segments.tailMap(first, true);
        for (LogSegment s : tail.values()) {
            final LogSegment seg = s;
            s.scan(from, v -> replay(v, seg));
        }
    }

    private void replay(RecordBatchView v, LogSegment seg) {
        if (v.isControl() && v.hasProducerId()) {
            int type = RecordWalker.controlType(v);
            long first = producers.completeTxn(v.producerId(), v.producerEpoch(),
                    RecordWalker.markerCoordinatorEpoch(v), v.baseOffset(), v.maxTimestamp());
            if (type == 0 && first >= 0) {
                addAbortedIfMissing(seg, v.producerId(), first, v.baseOffset());
            }
        } else {
            producers.update(v);
        }
    }

    private void addAbortedIfMissing(LogSegment seg, long pid, long first, long markerOffset) {
        try {
            List<AbortedTransaction> existing = new ArrayList<>();
            seg.txnIndex().collect(markerOffset, markerOffset + 1, existing);
            for (AbortedTransaction t : existing) {
                if (t.lastOffset() == markerOffset) {
                    return;
                }
            }
            long fuo = producers.firstUnstableOffset();
            if (seg.txnIndex().append(new AbortedTransaction(pid, first, markerOffset,
                    fuo >= 0 ? fuo : markerOffset + 1))) {
                dirDirty = true;
            }
        } catch (IOException e) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot write the transaction index of " + name, e);
        }
    }

    // ---------------------------------------------------------------- appends (writer thread)

    /**
     * Appends a client's batches (leader path). Borrows {@code records} (does not retain it) and rewrites its
     * batches in place: base offsets, partition leader epoch, the max timestamp (the records' largest, or the
     * append time on LogAppendTime topics) and CRC. Validates everything, every record included
     * ({@link BatchValidator}, {@link RecordValidator}), before writing anything; stores batches with the topic's
     * {@code compression.type} (recompressing a copy when the producer's codec differs); a retried duplicate of one
     * of an idempotent producer's last five batches returns the original offsets and writes nothing. Writer thread.
     *
     * @throws RecordValidationException (INVALID_RECORD or INVALID_TIMESTAMP) naming the records refused
     * @throws SamsaException with CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, INVALID_RECORD, INVALID_TIMESTAMP,
     *                        RECORD_LIST_TOO_LARGE, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
     *                        INVALID_TXN_STATE or KAFKA_STORAGE_ERROR
     */
    public AppendResult appendAsLeader(ByteBuf records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, VerificationGuard.NONE);
    }

    /**
     * As {@link #appendAsLeader(ByteBuf, int)}; a transactional batch that starts its producer's transaction here must
     * present the producer's verification {@code guard} ({@link #startTransactionVerification}), unless it is
     * {@link VerificationGuard#NONE} (KIP-890 part 1). Writer thread.
     *
     * @throws SamsaException as {@link #appendAsLeader(ByteBuf, int)}, and INVALID_TXN_STATE for an unverified
     *                        transaction
     */
    public AppendResult appendAsLeader(ByteBuf records, int leaderEpoch, VerificationGuard guard) {
        return appendAsLeader(records, leaderEpoch, guard, false);
    }

    /**
     * Appends a coordinator's own batch as leader (the group coordinator's transactional offset commits): as
     * {@link #appendAsLeader(ByteBuf, int)}, but a producer's batch here carries no sequence numbers, so only its
     * epoch is checked (INVALID_PRODUCER_EPOCH for an older one) and nothing is a duplicate (Kafka's COORDINATOR
     * origin). Borrows {@code records}. Writer thread.
     */
    public AppendResult appendAsCoordinator(ByteBuf records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, VerificationGuard.NONE, true);
    }

    private AppendResult appendAsLeader(ByteBuf records, int leaderEpoch, VerificationGuard guard,
                                        boolean fromCoordinator) {
        checkOnline();
        LogConfig cfg = config;
        long now = clock.milliseconds();
        int start = records.readerIndex();
        int end = records.writerIndex();
        if (start == end) {
            return AppendResult.empty(logStartOffset);
        }
        // A coordinator's own batches (transactional offset commits) carry a producer id but no sequences.
        BatchValidator.validate(records, start, end, view, cfg, name, !fromCoordinator);
        ByteBuf recompressed = recordValidator.validate(records, start, end, view, cfg, now, name);
        if (recompressed == null) {
            return appendValidated(records, start, end, leaderEpoch, cfg, now, guard, fromCoordinator);
        }
        try {
            return appendValidated(recompressed, recompressed.readerIndex(), recompressed.writerIndex(), leaderEpoch,
                    cfg, now, guard, fromCoordinator);
        } finally {
            recompressed.release();
        }
    }

    /** The leader's append once every batch in [start, end) of {@code records} is valid. */
    private AppendResult appendValidated(ByteBuf records, int start, int end, int leaderEpoch, LogConfig cfg,
                                         long now, VerificationGuard guard, boolean fromCoordinator) {
        long prevPid = -1;
        short prevEpoch = -1;
        int prevLastSeq = -1;
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            if (fromCoordinator) {
                producers.checkCoordinatorBatch(view);
                continue;
            }
            long[] dup = producers.checkClientBatch(view, prevPid, prevEpoch, prevLastSeq, guard);
            if (dup != null) {
                return new AppendResult(dup[0], dup[1], -1, logStartOffset, -1, -1, true,
                        CompletableFuture.completedFuture(null));
            }
            prevPid = view.producerId();
            prevEpoch = view.producerEpoch();
            prevLastSeq = view.lastSequence();
        }
        long first = logEndOffset;
        long next = first;
        long maxTs = -1;
        long offsetOfMax = -1;
        long messages = 0;
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            view.setBaseOffset(next);
            view.setPartitionLeaderEpoch(leaderEpoch);
            if (cfg.logAppendTime()) {
                view.setMaxTimestamp(true, now);
            }
            if (view.maxTimestamp() > maxTs) {
                maxTs = view.maxTimestamp();
                offsetOfMax = next;
            }
            messages += view.recordCount();
            next = view.nextOffset();
        }
        epochs.assign(leaderEpoch, first);
        CompletableFuture<Void> durable = write(records, start, end, first, next - 1, maxTs, messages, now);
        return new AppendResult(first, next - 1, cfg.logAppendTime() ? now : -1, logStartOffset, maxTs, offsetOfMax,
                false, durable);
    }

    /**
     * Appends batches replicated from the leader, keeping their offsets, epochs and timestamps; they must
     * start at or after the log end offset and increase. Borrows {@code records}. Writer thread.
     */
    public AppendResult appendAsFollower(ByteBuf records) {
        checkOnline();
        LogConfig cfg = config;
        long now = clock.milliseconds();
        int start = records.readerIndex();
        int end = records.writerIndex();
        if (start == end) {
            return AppendResult.empty(logStartOffset);
        }
        BatchValidator.validate(records, start, end, view, cfg, name, false);
        long expected = logEndOffset;
        long first = -1;
        long last = -1;
        long maxTs = -1;
        long offsetOfMax = -1;
        long messages = 0;
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            if (view.baseOffset() < expected) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "Replicated batch at offset " + view.baseOffset()
                        + " for " + name + " is below the expected offset " + expected);
            }
            if (first < 0) {
                first = view.baseOffset();
            }
            if (view.maxTimestamp() > maxTs) {
                maxTs = view.maxTimestamp();
                offsetOfMax = view.baseOffset();
            }
            messages += view.recordCount();
            last = view.lastOffset();
            expected = last + 1;
        }
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            epochs.assign(view.partitionLeaderEpoch(), view.baseOffset());
        }
        CompletableFuture<Void> durable = writeBytes(records, start, end - start, first, last, maxTs, now, messages,
                true);
        // The leader's transaction markers end their transactions here too (and an abort enters the transaction
        // index), as they do when the log is replayed: a follower that becomes leader has the leader's last stable
        // offset and aborted transactions, not a transaction left open forever.
        LogSegment written = active;
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            replay(view, written);
        }
        firstUnstableOffset = producers.firstUnstableOffset();
        return new AppendResult(first, last, -1, logStartOffset, maxTs, offsetOfMax, false, durable);
    }

    /**
     * Writes the marker of a V1 transaction: {@link #appendTransactionMarker(long, short, boolean, int, int, short)}
     * with transaction version 0. Writer thread.
     */
    public AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch, int leaderEpoch) {
        return appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch, leaderEpoch, (short) 0);
    }

    /**
     * Writes a transaction marker (commit or abort) for {@code producerId}, ends its ongoing transaction and,
     * for an abort, records it in the transaction index. {@code transactionVersion} is the transaction's protocol
     * (WriteTxnMarkers v2, KIP-1228): a V2 marker must carry a newer producer epoch than the producer's (KIP-890).
     * Writer thread.
     *
     * @throws SamsaException INVALID_PRODUCER_EPOCH (a stale marker), TRANSACTION_COORDINATOR_FENCED (from an older
     *                        coordinator), KAFKA_STORAGE_ERROR
     */
    public AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch, int leaderEpoch, short transactionVersion) {
        checkOnline();
        producers.checkMarker(producerId, producerEpoch, coordinatorEpoch, transactionVersion);
        long now = clock.milliseconds();
        ByteBuf marker = ControlBatch.marker(producerId, producerEpoch, commit, coordinatorEpoch, now);
        try {
            long offset = logEndOffset;
            view.wrap(marker, 0);
            view.setBaseOffset(offset);
            view.setPartitionLeaderEpoch(leaderEpoch);
            epochs.assign(leaderEpoch, offset);
            LogSegment seg;
            try {
                seg = maybeRoll(ControlBatch.SIZE, offset, offset, now, now);
            } catch (IOException e) {
                markOffline();
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot write to " + name, e);
            }
            long firstTxnOffset = producers.completeTxn(producerId, producerEpoch, coordinatorEpoch, offset, now);
            if (!commit && firstTxnOffset >= 0) {
                // Before the marker is published: a flush that covers the marker covers its index entry.
                addAbortedIfMissing(seg, producerId, firstTxnOffset, offset);
            }
            CompletableFuture<Void> durable = writeBytes(marker, 0, ControlBatch.SIZE, offset, offset, now, now, 1,
                    false);
            firstUnstableOffset = producers.firstUnstableOffset();
            return new AppendResult(offset, offset, -1, logStartOffset, now, offset, false, durable);
        } finally {
            marker.release();
        }
    }

    /**
     * Before a producer's first transactional batch here, starts the verification of its transaction (KIP-890 part
     * 1): {@link VerificationGuard#SENTINEL} when its transaction is ongoing here already, else the guard to append
     * with once the transaction coordinator confirmed the partition is in the transaction. Writer thread.
     *
     * @throws SamsaException INVALID_PRODUCER_EPOCH for an epoch older than the producer's
     */
    public VerificationGuard startTransactionVerification(long producerId, int baseSequence, short producerEpoch,
                                                          boolean supportsEpochBump) {
        return producers.startVerification(producerId, baseSequence, producerEpoch, supportsEpochBump,
                clock.milliseconds());
    }

    private CompletableFuture<Void> write(ByteBuf records, int start, int end, long first, long last, long maxTs,
                                          long messages, long now) {
        CompletableFuture<Void> durable = writeBytes(records, start, end - start, first, last, maxTs, now, messages,
                true);
        for (int pos = start; pos < end; pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            producers.update(view);
        }
        firstUnstableOffset = producers.firstUnstableOffset();
        return durable;
    }

    private CompletableFuture<Void> writeBytes(ByteBuf buf, int from, int len, long first, long last, long maxTs,
                                               long now, long messages, boolean dataBatches) {
        try {
            LogSegment seg = maybeRoll(len, first, last, maxTs, now);
            seg.append(buf, from, len, view);
        } catch (IOException e) {
            markOffline();
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot write to " + name, e);
        }
        logEndOffset = last + 1;
        unflushedMessages += messages;
        if (unflushedMessages >= config.flushMessages()) {
            unflushedMessages = 0;
            CompletableFuture<Void> f = new CompletableFuture<>();
            flusher.request(this, f);
            return f;
        }
        return CompletableFuture.completedFuture(null);
    }

    private LogSegment maybeRoll(int len, long first, long last, long maxTs, long now) throws IOException {
        LogSegment a = active;
        LogConfig cfg = config;
        boolean roll;
        if (a.size() == 0) {
            roll = a.baseOffset() != first;
        } else {
            roll = (long) a.size() + len > cfg.segmentBytes()
                    || a.timeWaitedForRoll(now, maxTs, activeCreatedMs) > cfg.effectiveSegmentMs() - cfg.segmentJitterMs()
                    || a.indexFull()
                    || !a.offsetFits(last);
        }
        if (roll) {
            roll(first, now);
        }
        return active;
    }

    private void roll(long newBase, long now) throws IOException {
        LogSegment old = active;
        LogConfig cfg = config;
        if (old.size() == 0) {
            segments.remove(old.baseOffset());
            old.renameForDeletion();
            old.deleteFiles();
        } else {
            old.deactivate();
            indexesToForce.add(old);
        }
        LogSegment seg = LogSegment.create(disk, dir, newBase, cache, cfg.segmentIndexBytes(),
                cfg.indexIntervalBytes());
        segments.put(newBase, seg);
        active = seg;
        activeCreatedMs = now;
        dirDirty = true;
        producers.takeSnapshot(newBase);
        log.debug("{}Rolled a new segment at offset {}", prefix, newBase);
        flusher.request(this, null);
        checkpointRequested = true;
    }

    // ---------------------------------------------------------------- reads (any thread)

    /**
     * Reads whole batches from {@code startOffset}: the batch holding it (whole, even when the offset is in
     * its middle) and the following ones up to {@code maxBytes}, only batches whose last offset is below
     * {@code maxOffset} (exclusive, e.g. the high watermark). With {@code minOneMessage} the first batch is
     * returned whole even when larger than {@code maxBytes} (KIP-74). A read at the log end is empty. The
     * result holds a {@link FileSlice} the caller must release. Any thread.
     *
     * @throws SamsaException OFFSET_OUT_OF_RANGE below the log start or above the log end
     */
    public ReadResult read(long startOffset, int maxBytes, long maxOffset, boolean minOneMessage) {
        long leo = logEndOffset;
        long lso = logStartOffset;
        if (startOffset < lso || startOffset > leo) {
            throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Offset " + startOffset
                    + " is out of range for " + name + " (log start " + lso + ", log end " + leo + ")");
        }
        long bound = Math.min(maxOffset, leo);
        if (startOffset >= bound) {
            return new ReadResult(FileSlice.EMPTY, lso, leo);
        }
        Map.Entry<Long, LogSegment> e = segments.floorEntry(startOffset);
        if (e == null) {
            throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Offset " + startOffset
                    + " is no longer in " + name + " (log start " + logStartOffset + ")");
        }
        try {
            while (e != null) {
                LogSegment seg = e.getValue();
                FileSlice slice = seg.read(startOffset, maxBytes, bound, minOneMessage);
                if (slice != null) {
                    return new ReadResult(slice, lso, leo);
                }
                if (seg.isDeleted()) {
                    // Replaced by the cleaner (or deleted by retention) while we looked: look the offset up again.
                    e = segments.floorEntry(startOffset);
                    if (e == null) {
                        throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Offset " + startOffset
                                + " is no longer in " + name + " (log start " + logStartOffset + ")");
                    }
                    continue;
                }
                e = segments.higherEntry(e.getKey());
            }
        } catch (IOException ex) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot read " + name, ex);
        }
        return new ReadResult(FileSlice.EMPTY, lso, leo);
    }

    /**
     * ListOffsets by time: the first record at or above the log start offset whose timestamp is at or above
     * {@code timestamp}, with its exact offset and timestamp (compressed batches are decompressed, one candidate
     * batch only) and the leader epoch of its batch; {@link TimestampOffset#NONE} when no record is. Any thread.
     */
    public TimestampOffset offsetForTimestamp(long timestamp) {
        long lso = logStartOffset;
        try {
            while (true) {
                long seen = swaps;
                TimestampOffset found = null;
                for (LogSegment s : segments.values()) {
                    found = s.findOffsetByTimestamp(timestamp, lso);
                    if (found != null) {
                        break;
                    }
                }
                if (seen == swaps) {
                    return found == null ? TimestampOffset.NONE : withEpoch(found);
                }
            }
        } catch (IOException e) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot search " + name, e);
        }
    }

    /**
     * The largest timestamp in the log and the first record carrying it (exact inside compressed batches), with
     * the leader epoch of that offset, or {@link TimestampOffset#NONE} for a log without timestamps (ListOffsets
     * MAX_TIMESTAMP, KIP-734). Any thread.
     */
    public TimestampOffset maxTimestampAndOffset() {
        while (true) {
            long seen = swaps;
            TimestampOffset found = maxTimestampOnce();
            if (seen == swaps) {
                return found;
            }
        }
    }

    private TimestampOffset maxTimestampOnce() {
        LogSegment best = null;
        for (LogSegment s : segments.values()) {
            if (s.maxTimestamp() >= 0 && (best == null || s.maxTimestamp() > best.maxTimestamp())) {
                best = s;
            }
        }
        if (best == null) {
            return TimestampOffset.NONE;
        }
        try {
            TimestampOffset found = best.findMaxTimestamp();
            // Kafka answers MAX_TIMESTAMP with the epoch cache's epoch for the offset, not the batch field.
            return found == null ? TimestampOffset.NONE
                    : new TimestampOffset(found.timestamp(), found.offset(), epochForOffset(found.offset()));
        } catch (IOException e) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot search " + name, e);
        }
    }

    private TimestampOffset withEpoch(TimestampOffset t) {
        return t.leaderEpoch() >= 0 ? t : new TimestampOffset(t.timestamp(), t.offset(), epochForOffset(t.offset()));
    }

    /**
     * The leader epoch in which {@code offset} was written, from the leader-epoch cache: the latest epoch
     * starting at or below it, or -1 when none is known (ListOffsets v4+ answers it). Any thread.
     */
    public int epochForOffset(long offset) {
        return epochs.epochForOffset(offset);
    }

    /**
     * Aborted transactions overlapping [fetchOffset, upperBound), for a READ_COMMITTED fetch. An entry lives in the
     * index of its marker's segment, which may begin at or above {@code upperBound} (the last stable offset, when the
     * high watermark has not passed a marker that rolled a segment, or another transaction is open): the search goes
     * on through later segments until an entry shows that no later one can overlap. Any thread.
     */
    public List<AbortedTransaction> collectAbortedTransactions(long fetchOffset, long upperBound) {
        while (true) {
            long seen = swaps;
            List<AbortedTransaction> out = collectAborted(fetchOffset, upperBound);
            if (seen == swaps) {
                return out;
            }
        }
    }

    private List<AbortedTransaction> collectAborted(long fetchOffset, long upperBound) {
        List<AbortedTransaction> out = new ArrayList<>();
        Long from = segments.floorKey(fetchOffset);
        NavigableMap<Long, LogSegment> tail = from == null ? segments : segments.tailMap(from, true);
        try {
            boolean complete = false;
            for (LogSegment s : tail.values()) {
                if (s.baseOffset() >= upperBound && complete) {
                    break;
                }
                complete |= s.txnIndex().collect(fetchOffset, upperBound, out);
            }
        } catch (IOException e) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot read the transaction index of " + name, e);
        }
        return out;
    }

    /** OffsetsForLeaderEpoch: the end offset of {@code epoch}. Any thread. */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return epochs.endOffsetFor(epoch, logEndOffset);
    }

    public int latestEpoch() {
        return epochs.latestEpoch();
    }

    /** The offset the next appended record gets. Any thread. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** The first readable offset. Any thread. */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** Everything below this offset is on disk (fsynced). Any thread. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /**
     * Asks the flusher to force the log up to its current end offset. The future completes, on a flusher thread, once
     * the recovery point has reached that offset, or exceptionally when the force failed (the log is then offline).
     * After an unclean start the bytes recovery kept above the recovery point may still sit in the page cache only
     * (a killed process leaves them there); a caller that must not expose them before they are durable forces them
     * with this. Any thread.
     */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        flusher.request(this, f);
        return f;
    }

    /**
     * The id of the topic this directory was claimed for ({@link #recordTopicId}), or null when it never was (a new
     * log, or one written before topic ids were recorded). Any thread.
     */
    public UUID topicId() {
        return topicId;
    }

    /**
     * Claims the directory for topic {@code id}: writes {@code partition.metadata} atomically and forces it, so that
     * once a topic of this name is deleted no later topic of the same name mistakes the directory, should it survive
     * (not deleted yet, or brought back by a crash), for its own. Before the log's writer starts; file I/O, never on an
     * event loop.
     */
    public synchronized void recordTopicId(UUID id) throws IOException {
        PartitionMetadataFile.write(disk, dir.resolve(PARTITION_METADATA), id, forcer);
        topicId = id;
    }

    /** The first offset of the oldest ongoing transaction, or -1; the LSO is min(this, high watermark). */
    public long firstUnstableOffset() {
        return firstUnstableOffset;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    public boolean isOffline() {
        return offline;
    }

    /** The number of segments. Any thread. */
    public int segmentCount() {
        return segments.size();
    }

    /** Base offsets of the segments, ascending. Any thread. */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }

    /** Total bytes in all segments. Any thread. */
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    /** The active segment's size in bytes (tests, metrics). Any thread. */
    public int activeSegmentSize() {
        return active.size();
    }

    /**
     * Every producer this partition remembers, ordered by producer id, as immutable copies (DescribeProducers).
     * Writer thread (the producer state is the writer's): hop to the partition's shard to call it.
     */
    public List<ActiveProducer> activeProducers() {
        return producers.activeProducers();
    }

    /** The producer state (the writer thread's; tests and the transaction path). */
    public ProducerStateManager producerState() {
        return producers;
    }

    // ---------------------------------------------------------------- retention and truncation (writer thread)

    /** Replaces the config (topic config change). Writer thread. */
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
        active.setIndexIntervalBytes(newConfig.indexIntervalBytes());
    }

    /**
     * Raises the log start offset (DeleteRecords); reads below it fail from now on, and segments wholly below
     * it are deleted by the next {@link #deleteOldSegments}. Checkpointed by the flusher. Writer thread.
     */
    public void increaseLogStartOffset(long offset) {
        if (offset > logEndOffset) {
            throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Cannot move the log start of " + name + " to "
                    + offset + ", past the log end " + logEndOffset);
        }
        if (offset <= logStartOffset) {
            return;
        }
        logStartOffset = offset;
        epochs.truncateFromStart(offset);
        requestCheckpoint();
    }

    /**
     * Deletes whole segments that are wholly below {@code highWatermark} and below the log start offset, or (with
     * {@code cleanup.policy} delete) older than {@code retention.ms} (by their largest timestamp) or beyond
     * {@code retention.bytes}, oldest
     * first; an expired active segment is first rolled. Files are renamed to {@code .deleted} now and deleted
     * after {@code file.delete.delay.ms} on the scheduler's thread. Returns the number deleted. Writer thread.
     */
    public int deleteOldSegments(long highWatermark) {
        checkOnline();
        LogConfig cfg = config;
        long now = clock.milliseconds();
        long excess = cfg.retentionBytes() < 0 ? -1 : sizeInBytes() - cfg.retentionBytes();
        List<LogSegment> doomed = new ArrayList<>();
        for (LogSegment s : segments.values()) {
            Map.Entry<Long, LogSegment> next = segments.higherEntry(s.baseOffset());
            long upper = next == null ? logEndOffset : next.getKey();
            if (highWatermark < upper || (next == null && s.size() == 0)) {
                break;
            }
            boolean startBreach = next != null && next.getKey() <= logStartOffset;
            long ts = s.maxTimestamp() >= 0 ? s.maxTimestamp() : s.lastModifiedMs();
            // Time and size retention belong to cleanup.policy=delete; a compact-only log loses data to the cleaner only.
            boolean expired = cfg.delete() && cfg.retentionMs() >= 0 && now - ts > cfg.retentionMs();
            boolean tooBig = cfg.delete() && excess >= 0 && excess - s.size() >= 0;
            if (!startBreach && !expired && !tooBig) {
                break;
            }
            if (excess >= 0) {
                excess -= s.size();
            }
            doomed.add(s);
        }
        if (doomed.isEmpty()) {
            return 0;
        }
        try {
            if (doomed.size() == segments.size()) {
                roll(logEndOffset, now);
            }
            for (LogSegment s : doomed) {
                segments.remove(s.baseOffset());
                scheduleDeletion(s, cfg);
            }
            long first = segments.firstKey();
            if (first > logStartOffset) {
                logStartOffset = first;
            }
            epochs.truncateFromStart(logStartOffset);
            scheduleSnapshotCleanup(first);
        } catch (IOException e) {
            markOffline();
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot delete segments of " + name, e);
        }
        log.info("{}Deleted {} segments by retention; log start is now {}", prefix, doomed.size(), logStartOffset);
        requestCheckpoint();
        return doomed.size();
    }

    /**
     * Deletes the producer snapshots that retention made useless, on the scheduler's thread like segment files:
     * finding them lists the directory, file I/O that has no place on the writer thread (a shard).
     */
    private void scheduleSnapshotCleanup(long logStart) {
        deleter.schedule(() -> {
            try {
                producers.deleteSnapshotsBelow(logStart);
            } catch (NoSuchFileException e) {
                // the partition was deleted meanwhile: nothing left to clean
            } catch (IOException e) {
                log.warn("{}Failed to delete producer snapshots below {}", prefix, logStart, e);
            }
        }, 0);
    }

    private void scheduleDeletion(LogSegment s, LogConfig cfg) throws IOException {
        s.renameForDeletion();
        deleter.schedule(() -> {
            try {
                s.deleteFiles();
            } catch (IOException e) {
                log.warn("{}Failed to delete {}", prefix, s, e);
            }
        }, cfg.fileDeleteDelayMs());
    }

    /**
     * Removes every batch at or above {@code offset} (a follower after a leader change). The cut falls on a
     * batch boundary: the batch holding {@code offset} goes too. Writer thread.
     */
    public void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            return;
        }
        if (offset < segments.firstKey()) {
            truncateFullyAndStartAt(offset);
            return;
        }
        synchronized (recoveryLock) {
            truncations++;
        }
        cleanerTruncationMark.accumulateAndGet(offset, Math::min);
        LogConfig cfg = config;
        try {
            for (LogSegment s : new ArrayList<>(segments.tailMap(offset, false).values())) {
                segments.remove(s.baseOffset());
                scheduleDeletion(s, cfg);
            }
            LogSegment target = segments.floorEntry(offset).getValue();
            if (target != active) {
                target.activate();
                active = target;
                activeCreatedMs = clock.milliseconds();
            }
            long newEnd = target.truncateTo(offset);
            logEndOffset = newEnd;
            synchronized (recoveryLock) {
                recoveryPoint = Math.min(recoveryPoint, newEnd);
            }
            epochs.truncateFromEnd(newEnd);
            rebuildProducerState(newEnd, newEnd);
            firstUnstableOffset = producers.firstUnstableOffset();
            log.info("{}Truncated to offset {} (log end now {})", prefix, offset, newEnd);
        } catch (IOException e) {
            markOffline();
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot truncate " + name, e);
        }
        requestCheckpoint();
    }

    /** Deletes everything and restarts the log empty at {@code offset} (log start = log end). Writer thread. */
    public void truncateFullyAndStartAt(long offset) {
        synchronized (recoveryLock) {
            truncations++;
        }
        cleanerTruncationMark.accumulateAndGet(offset, Math::min);
        LogConfig cfg = config;
        try {
            for (LogSegment s : new ArrayList<>(segments.values())) {
                segments.remove(s.baseOffset());
                scheduleDeletion(s, cfg);
            }
            LogSegment seg = LogSegment.create(disk, dir, offset, cache, cfg.segmentIndexBytes(),
                    cfg.indexIntervalBytes());
            segments.put(offset, seg);
            active = seg;
            activeCreatedMs = clock.milliseconds();
            dirDirty = true;
            logEndOffset = offset;
            logStartOffset = offset;
            synchronized (recoveryLock) {
                recoveryPoint = offset;
            }
            epochs.clear();
            producers.clear(offset);
            producers.deleteSnapshotsAbove(-1);
            firstUnstableOffset = -1;
            log.info("{}Truncated fully; the log restarts at offset {}", prefix, offset);
        } catch (IOException e) {
            markOffline();
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot truncate " + name, e);
        }
        requestCheckpoint();
    }

    /** Forgets producers idle longer than {@code producer.id.expiration.ms}. Returns how many. Writer thread. */
    public int removeExpiredProducers() {
        return producers.removeExpired(clock.milliseconds(), config.producerIdExpirationMs());
    }

    // ---------------------------------------------------------------- flusher thread

    /**
     * Forces every segment that may hold unflushed data and advances the recovery point; asks for the recovery
     * point checkpoint when that moved it into a later segment. A flusher thread, one at a time per log.
     */
    void flushFromFlusher() throws IOException {
        // Read before the target: flush.ms then counts from a time at which everything up to the target was
        // written, even when the clock moves while the force runs.
        long startedMs = clock.milliseconds();
        long gen;
        long target;
        synchronized (recoveryLock) {
            gen = truncations;
            target = logEndOffset;
        }
        if (dirDirty) {
            dirDirty = false;
            forcer.forceDirectory(dir);
        }
        forceFinishedIndexes();
        long rp = recoveryPoint;
        if (target > rp) {
            Long from = segments.floorKey(rp);
            NavigableMap<Long, LogSegment> tail = from == null ? segments : segments.tailMap(from, true);
            for (LogSegment s : tail.values()) {
                if (s.baseOffset() >= target) {
                    break;
                }
                s.flush(forcer);
            }
        }
        boolean advanced = false;
        synchronized (recoveryLock) {
            if (gen == truncations && target > recoveryPoint) {
                recoveryPoint = target;
                advanced = true;
            }
        }
        lastFlushMs = startedMs;
        if (advanced && segmentHolding(target) != segmentHolding(checkpointedRecoveryPoint)) {
            // Recovery rescans from the segment holding the checkpointed recovery point. A roll's own checkpoint
            // request can be consumed before its fsync moved the recovery point, so ask again here, once the
            // fsync moved it into a later segment (at most once per segment, whatever the flush rate).
            requestCheckpoint();
        }
    }

    /**
     * Forces the segments whose indexes were finished since the last force (data and indexes; a deleted one is
     * skipped). A flusher thread, or the closing thread.
     */
    private void forceFinishedIndexes() throws IOException {
        for (LogSegment s = indexesToForce.peek(); s != null; s = indexesToForce.peek()) {
            s.flush(forcer);
            indexesToForce.poll();
        }
    }

    /** True when segments wait for {@link #forceFinishedIndexes} (the log manager then asks for a flush). */
    boolean hasIndexesToForce() {
        return !indexesToForce.isEmpty();
    }

    /**
     * The recovery point a checkpoint may record: recovery trusts the indexes of every segment below the one holding
     * it, so it stays at or below the active segment (whose indexes are only finished, and then forced, after its
     * roll) and below every segment in {@link #indexesToForce}.
     */
    private long checkpointableRecoveryPoint() {
        long rp = recoveryPoint;
        LogSegment a = active;
        if (a.isActive()) {
            rp = Math.min(rp, a.baseOffset());
        }
        for (LogSegment s : indexesToForce) {
            rp = Math.min(rp, s.baseOffset());
        }
        return rp;
    }

    /** The base offset of the segment holding {@code offset}, or -1 when none does. */
    private long segmentHolding(long offset) {
        Long base = offset < 0 ? null : segments.floorKey(offset);
        return base == null ? -1 : base;
    }

    boolean flushMsDue(long now) {
        long flushMs = config.flushMs();
        return flushMs != Long.MAX_VALUE && logEndOffset > recoveryPoint && now - lastFlushMs >= flushMs;
    }

    /** Whether {@link #maybeWriteCheckpoints} would write now. Any thread (the flusher's timer). */
    boolean checkpointDue(long now, long intervalMs) {
        return checkpointRequested || now - lastCheckpointMs >= intervalMs;
    }

    /** This log's group-commit state, owned by the {@link Flusher}. */
    Flusher.Lane flushLane() {
        return flushLane;
    }

    private void requestCheckpoint() {
        checkpointRequested = true;
    }

    /**
     * Writes the checkpoints that changed, when requested or every {@code intervalMs}. A flusher thread, one at
     * a time per log.
     */
    void maybeWriteCheckpoints(long now, long intervalMs) throws IOException {
        if (!checkpointRequested && now - lastCheckpointMs < intervalMs) {
            return;
        }
        checkpointRequested = false;
        lastCheckpointMs = now;
        writeCheckpoints();
    }

    private synchronized void writeCheckpoints() throws IOException {
        if (offline) {
            return;
        }
        // The three files must agree at every crash point. Recovery re-learns leader epochs only from the batches
        // it rescans (from the segment holding the recovery point), so every epoch starting below the checkpointed
        // recovery point must reach the disk first; and the epoch file's first start (moved up with the log start)
        // must not pass the checkpointed log start. Hence: read the recovery point, then the epochs, then the log
        // start (epochs start at or above the log end when assigned; the log start moves before the epochs are
        // cut); write the log start, then the epochs, then the recovery point.
        long rp = checkpointableRecoveryPoint();
        List<long[]> epochRows = null;
        if (epochs.isDirty()) {
            epochs.markClean();
            epochRows = epochs.snapshot();
        }
        long lso = logStartOffset;
        if (lso != checkpointedLogStart) {
            CheckpointFile.write(disk, dir.resolve(LOG_START_OFFSET_CHECKPOINT), List.<long[]>of(new long[] {lso}),
                    forcer);
            checkpointedLogStart = lso;
        }
        if (epochRows != null) {
            CheckpointFile.write(disk, dir.resolve(LEADER_EPOCH_CHECKPOINT), epochRows, forcer);
        }
        if (rp != checkpointedRecoveryPoint) {
            CheckpointFile.write(disk, dir.resolve(RECOVERY_POINT_CHECKPOINT), List.<long[]>of(new long[] {rp}),
                    forcer);
            checkpointedRecoveryPoint = rp;
        }
        // Never above what is forced: under the default flushing a power loss can bring back a segment as it was
        // before a truncation, so a checkpoint above the forced data could put a diverged tail below the high
        // watermark (issue 12's simulation, seed 90). Below the recovery point the log is what it was.
        long hw = Math.min(highWatermark, recoveryPoint);
        if (highWatermark >= 0 && hw != checkpointedHighWatermark) {
            CheckpointFile.write(disk, dir.resolve(HIGH_WATERMARK_CHECKPOINT), List.<long[]>of(new long[] {hw}),
                    forcer);
            checkpointedHighWatermark = hw;
        }
    }

    /**
     * Replication's high watermark of this partition, for the checkpoint the flusher writes with the others (every
     * checkpoint interval, and at a clean close), never above the recovery point. A plain volatile write: any thread
     * (the partition's shard).
     */
    public void updateHighWatermark(long offset) {
        highWatermark = offset;
    }

    /**
     * The high watermark checkpointed before this log was loaded, within the recovered log ({@code [log start, log
     * end]}), or -1 when none was: where a restarted replica's high watermark may start. Any thread.
     */
    public long recoveredHighWatermark() {
        return recoveredHighWatermark;
    }

    void markOffline() {
        offline = true;
    }

    private void checkOnline() {
        if (closed) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "The log of " + name + " is closed: this "
                + "broker is stopping or no longer hosts it");
        }
        if (offline) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log of " + name + " is offline");
        }
    }

    /**
     * Clean close: snapshots producer state at the log end, forces data and indexes, writes checkpoints and
     * closes the segments. The writer must have stopped; the flusher must be stopped. Caller's thread.
     */
    void close() throws IOException {
        closed = true;
        cleanerWriter = null;
        if (offline) {
            for (LogSegment s : segments.values()) {
                s.close();
            }
            return;
        }
        long end = logEndOffset;
        Path snap = producers.takeSnapshot(end);
        ProducerStateManager.forceSnapshot(disk, snap, forcer);
        forceFinishedIndexes();
        active.deactivate();
        for (LogSegment s : segments.tailMap(segments.floorKey(recoveryPoint) == null ? segments.firstKey()
                : segments.floorKey(recoveryPoint), true).values()) {
            s.flush(forcer);
        }
        // Indexes of the last segment were trimmed by deactivate; force them too.
        active.flush(forcer);
        forcer.forceDirectory(dir);
        synchronized (recoveryLock) {
            recoveryPoint = end;
        }
        writeCheckpoints();
        for (LogSegment s : segments.values()) {
            s.close();
        }
    }

    /** Closes the segments without flushing or checkpoints (a deleted partition). */
    void closeForDeletion() throws IOException {
        closed = true;
        cleanerWriter = null;
        offline = true;
        for (LogSegment s : segments.values()) {
            s.close();
        }
    }

    // ---------------------------------------------------------------- log cleaner hooks (io.samsa.log.cleaner)

    /**
     * Lets the log cleaner work on this log (when its {@code cleanup.policy} includes {@code compact}): {@code writer}
     * runs tasks on this log's writer thread (the cleaner takes its snapshot and swaps segments there), and
     * {@code highWatermark} tells how far the log is replicated (the cleaner stays below it). Until this is called the
     * cleaner leaves the log alone. The partition's owner calls it when it hosts the partition. Any thread.
     */
    public void attachWriter(Executor writer, LongSupplier highWatermark) {
        this.cleanerHighWatermark = highWatermark;
        this.cleanerWriter = writer;
    }

    /** The writer the owner attached, or null. Any thread. */
    public Executor cleanerWriter() {
        return cleanerWriter;
    }

    /** The high watermark the owner reports (the log end offset when it reports none). Any thread. */
    public long cleanerHighWatermark() {
        LongSupplier hw = cleanerHighWatermark;
        return hw == null ? logEndOffset : Math.min(hw.getAsLong(), logEndOffset);
    }

    /** The lowest offset a truncation cut to since the cleaner last looked, or Long.MAX_VALUE. Any thread. */
    public long cleanerTruncationMark() {
        return cleanerTruncationMark.get();
    }

    /** The cleaner took {@code seen} into account; a lower mark set since stays. Any thread. */
    public void clearCleanerTruncationMark(long seen) {
        cleanerTruncationMark.compareAndSet(seen, Long.MAX_VALUE);
    }

    /** Every segment, ascending; the last is the active one. Any thread. */
    public List<LogSegment> segmentsForCleaning() {
        return new ArrayList<>(segments.values());
    }

    /** What a cleaning pass needs to start (see {@link CleaningSnapshot}). Writer thread. */
    public CleaningSnapshot snapshotForCleaning() {
        LogSegment a = active;
        List<LogSegment> inactive = new ArrayList<>(segments.headMap(a.baseOffset(), false).values());
        long truncationCount;
        synchronized (recoveryLock) {
            truncationCount = truncations;
        }
        return new CleaningSnapshot(inactive, a.baseOffset(), logStartOffset, firstUnstableOffset,
                cleanerHighWatermark(), truncationCount, producers.lastBatches(), config);
    }

    /**
     * The cleaner's swap: replaces {@code group} (consecutive inactive segments, ascending) by the cleaned segment
     * {@code swap} describes, whose files the cleaner wrote and forced; {@code held} are the group's open handles,
     * acquired by the cleaner (one reference each, handed over). Refuses (false, nothing done, the handles released)
     * when the log changed since {@code truncationsSeen} was read: a truncation, a segment of the group deleted or
     * replaced, the log offline. Otherwise commits the swap's manifest, renames the cleaned files into place, puts the
     * new segment in the list and retires the old ones (the others renamed to {@code .deleted}, deleted after
     * {@code file.delete.delay.ms}); readers holding old handles finish on the old files. Only name operations: no
     * file is opened, closed or forced on the writer (a shard). The old first segment's handles are closed on
     * {@code closer} (the cleaner's thread): that last close frees the replaced file's blocks. The flusher forces the
     * directory later, and a crash in between is finished by {@link SwapManifest#recover} at load. Writer thread.
     *
     * @throws SamsaException KAFKA_STORAGE_ERROR when a file operation fails after the commit (the log goes offline;
     *                        the next load finishes the swap)
     */
    public boolean replaceSegments(List<LogSegment> group, List<SegmentHandles> held, SwapManifest swap,
                                   long truncationsSeen, Executor closer) {
        if (!swappable(group, truncationsSeen)) {
            for (SegmentHandles h : held) {
                h.release();
            }
            return false;
        }
        LogConfig cfg = config;
        // The replaced segments' files are closed on the cleaner's thread, never here: the first one's last close
        // frees its blocks (the cleaned file was renamed over its name), and this is a shard thread.
        List<Runnable> closeReplaced = new ArrayList<>(group.size());
        try {
            swap.commit();
            for (int i = 0; i < group.size(); i++) {
                group.get(i).holdOpen(held.get(i));
            }
            swap.moveIntoPlace();
            LogSegment fresh = LogSegment.openCleaned(disk, dir, swap.newBase(), cache, cfg.segmentIndexBytes(),
                    cfg.indexIntervalBytes(), swap.size(), swap.maxTimestamp(), swap.offsetOfMaxTimestamp());
            segments.put(fresh.baseOffset(), fresh);
            swaps++;
            closeReplaced.add(group.get(0).retire());
            for (LogSegment s : group.subList(1, group.size())) {
                segments.remove(s.baseOffset());
                closeReplaced.add(s.retire());
                scheduleDeletion(s, cfg);
            }
            swap.finish();
            dirDirty = true;
        } catch (IOException e) {
            markOffline();
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot swap cleaned segments into " + name, e);
        } finally {
            if (!closeReplaced.isEmpty()) {
                Runnable closeAll = () -> closeReplaced.forEach(Runnable::run);
                try {
                    closer.execute(closeAll);
                } catch (RejectedExecutionException e) {
                    closeAll.run();
                }
            }
        }
        log.debug("{}Swapped a cleaned segment in for {} segments at {}", prefix, group.size(), swap.newBase());
        flusher.request(this, null);
        return true;
    }

    /** Whether the group may still be swapped: no truncation since the pass's snapshot, every segment in place. */
    private boolean swappable(List<LogSegment> group, long truncationsSeen) {
        if (offline || cleanerWriter == null) {
            return false;
        }
        synchronized (recoveryLock) {
            if (truncations != truncationsSeen) {
                return false;
            }
        }
        for (LogSegment s : group) {
            if (segments.get(s.baseOffset()) != s || s == active || s.isDeleted()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Deletes the producer state snapshots below {@code offset} (after a cleaning pass up to it: a snapshot taken
     * before a marker the cleaner removed could revive that transaction). Files only; any thread.
     */
    public void deleteProducerSnapshotsBelow(long offset) {
        try {
            for (long off : producers.snapshotOffsets()) {
                if (off < offset) {
                    disk.deleteIfExists(producers.snapshotFile(off));
                }
            }
        } catch (IOException e) {
            log.warn("{}Cannot delete producer snapshots below {}: {}", prefix, offset, e.toString());
        }
    }

    @Override
    public String toString() {
        return "Log(" + name + ", start=" + logStartOffset + ", end=" + logEndOffset + ", segments=" + segments.size()
                + ")";
    }
}
