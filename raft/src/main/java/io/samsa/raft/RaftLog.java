package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.samsa.common.Clock;
import io.samsa.common.Disk;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.log.EpochEndOffset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The durable store of one Raft replica: the log of record batches (v2, CRC32C, the leader epoch in each batch's
 * partition leader epoch field), its snapshots (record-batch files framed by a SnapshotHeaderRecord and a
 * SnapshotFooterRecord control batch, KIP-630), and the election state. It knows bytes and offsets, not records.
 *
 * <p>{@link #open} implements it over the {@code log} module ({@code io.samsa.log.Log}: segments, indexes,
 * recovery that cuts a torn tail, truncation, the leader-epoch cache, group commit on its flusher) in
 * {@code <dataDir>/__cluster_metadata-0/}, every file operation through a {@link Disk}.
 *
 * <p>Not thread-safe: one thread (the replica's executor) calls it, except the futures, which complete on the
 * log's flushing thread.
 */
public interface RaftLog extends AutoCloseable {
    /** The name of the metadata log's directory, as in KRaft. */
    String DIR_NAME = "__cluster_metadata-0";

    /** Where an append went, and a future completed once it is on disk. */
    record Appended(long firstOffset, long lastOffset, CompletableFuture<Void> durable) {
    }

    /** The offset of the first record in the log. */
    long startOffset();

    /** The offset the next record gets. */
    long endOffset();

    /** The epoch of the last batch in the log, -1 when it has none. */
    int lastEpoch();

    /**
     * Appends record batches written in {@code epoch} by this replica as leader, at {@link #endOffset()} (their
     * base offsets and leader epochs are rewritten). Borrows {@code batches}.
     *
     * @throws IllegalArgumentException when {@code epoch} is older than the log's last epoch
     * @throws io.samsa.wire.SamsaException {@code KAFKA_STORAGE_ERROR} when the log cannot be written
     */
    Appended appendAsLeader(ByteBuf batches, int epoch);

    /** Appends batches replicated from the leader, keeping their offsets and epochs. Borrows {@code batches}. */
    Appended appendAsFollower(ByteBuf batches);

    /**
     * Whole batches from the one holding {@code startOffset}, up to {@code maxBytes} (at least one batch), only
     * those ending below {@code maxOffset}. The caller releases the buffer.
     */
    ByteBuf read(long startOffset, long maxOffset, int maxBytes);

    /**
     * The end offset of {@code epoch} (and the epoch found), as OffsetsForLeaderEpoch answers it: what a follower
     * needs to find where its log diverges from the leader's.
     */
    EpochEndOffset endOffsetForEpoch(int epoch);

    /** The epoch of the batch holding {@code offset}, from the leader-epoch cache; -1 when none is known. */
    int epochForOffset(long offset);

    /** Removes every batch at or above {@code offset}. */
    void truncateTo(long offset);

    /** Removes everything and restarts the log empty at {@code offset} (after loading a snapshot past its end). */
    void truncateFullyAndStartAt(long offset);

    /** The snapshots on disk, newest (highest end offset) first. */
    List<SnapshotId> snapshots() throws IOException;

    /** The bytes of a snapshot file. The caller releases the buffer. */
    ByteBuf readSnapshot(SnapshotId id) throws IOException;

    /** Writes a snapshot file atomically and durably. Borrows {@code contents}. */
    void writeSnapshot(SnapshotId id, ByteBuf contents) throws IOException;

    /**
     * Keeps the newest snapshots (as many as configured), deletes older ones, and deletes the log segments that
     * only hold records below the oldest snapshot kept. Returns the number of segments deleted.
     */
    int trimToSnapshots() throws IOException;

    /** The election state last written, or {@link ElectionState#NONE}. */
    ElectionState electionState();

    /** Writes the election state durably before returning. */
    void writeElectionState(ElectionState state) throws IOException;

    /** Forces everything and closes the log. */
    @Override
    void close() throws IOException;

    /**
     * Opens (creating it when absent) the log in {@code <dataDir>/__cluster_metadata-0}, recovering it after an
     * unclean stop and forcing the recovered tail to disk before returning. Refuses a directory written in the
     * format of earlier Samsa versions with {@code KAFKA_STORAGE_ERROR} and a message saying what to do. Deletes
     * snapshot files left half-written. {@code scheduler} runs delayed file deletions. The files are the real
     * file system's, and the log module's flusher runs on a thread of its own.
     */
    static RaftLog open(Path dataDir, RaftLogConfig config, Clock clock, Scheduler scheduler) throws IOException {
        return SegmentedRaftLog.open(dataDir, config, clock, scheduler, Disk.SYSTEM, null, null);
    }

    /**
     * {@link #open(Path, RaftLogConfig, Clock, Scheduler)} with every file operation through {@code disk} and the
     * log module's flusher on the given executors ({@code LogManager.Builder.flusherExecutors}): forces and group
     * commits on {@code flusherForcing}, its periodic pass on {@code flusherTimer}. A simulation passes testkit's
     * simulated disk and executors, so that a crash loses what was not forced and a run replays from its seed.
     */
    static RaftLog open(Path dataDir, RaftLogConfig config, Clock clock, Scheduler scheduler, Disk disk,
                        Executor flusherForcing, SerialExecutor flusherTimer) throws IOException {
        return SegmentedRaftLog.open(dataDir, config, clock, scheduler, disk, flusherForcing, flusherTimer);
    }
}
