package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.samsa.common.Scheduler;
import io.samsa.log.EpochEndOffset;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.FetchSnapshotResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's side of replication (KIP-595, KIP-630): Fetch and FetchSnapshot from followers and observers.
 *
 * <p>A fetch names the replica's fetch offset and the epoch of its last batch. The leader checks that pair against
 * its own log: below its log start, the answer names the latest snapshot (the replica downloads it with
 * FetchSnapshot); when the leader's log has no such epoch ending at or after that offset, the answer is a diverging
 * epoch (the largest epoch at or below the replica's, and where it ends in the leader's log) and the replica
 * truncates to it; otherwise the offset is valid: it is the replica's progress (a voter's counts towards the high
 * watermark), and the answer carries the records after it, or waits up to the fetch's max wait for some (the long
 * poll; a new append or a high watermark move answers it). Every answer carries the high watermark and the leader.
 *
 * <p>Answers own their bytes: records are copied to heap arrays, which nobody releases. Not thread-safe: the
 * replica's executor.
 */
final class LeaderFetches<T> {
    private static final Logger log = LoggerFactory.getLogger(LeaderFetches.class);

    private final RaftReplica<T> r;
    private final List<Parked> parked = new ArrayList<>();
    /** The latest snapshot's bytes, for FetchSnapshot chunks (read once per snapshot). */
    private SnapshotId cachedId;
    private byte[] cachedBytes;

    /** A fetch waiting for records (or its max wait). */
    private static final class Parked {
        final int replicaId;
        final FetchRequest.FetchPartition partition;
        final CompletableFuture<Message> answer;
        final long highWatermark;
        Scheduler.Cancellable timeout;

        Parked(int replicaId, FetchRequest.FetchPartition partition, CompletableFuture<Message> answer,
               long highWatermark) {
            this.replicaId = replicaId;
            this.partition = partition;
            this.answer = answer;
            this.highWatermark = highWatermark;
        }
    }

    /** What the leader makes of a fetch position. */
    private record Position(long snapshotEnd, int snapshotEpoch, int divergingEpoch, long divergingEnd) {
        static final Position VALID = new Position(-1, -1, -1, -1);

        static Position snapshot(SnapshotId id) {
            return new Position(id.endOffset(), id.epoch(), -1, -1);
        }

        static Position diverging(int epoch, long end) {
            return new Position(-1, -1, epoch, end);
        }
    }

    LeaderFetches(RaftReplica<T> replica) {
        this.r = replica;
    }

    void handleFetch(FetchRequest req, short version, CompletableFuture<Message> answer) {
        FetchRequest.FetchPartition p = RaftMessages.partition(req);
        int replicaId = RaftMessages.replicaId(req, version);
        ReplicaKey key = new ReplicaKey(replicaId, p.replicaDirectoryId());
        EpochState s = r.state();
        if (!(s instanceof LeaderState l)) {
            answer.complete(response(ErrorCode.NOT_LEADER_OR_FOLLOWER));
            return;
        }
        int epoch = p.currentLeaderEpoch();
        if (epoch >= 0 && epoch < l.epoch()) {
            answer.complete(response(ErrorCode.FENCED_LEADER_EPOCH));
            return;
        }
        if (epoch > l.epoch()) {
            answer.complete(response(ErrorCode.UNKNOWN_LEADER_EPOCH));
            return;
        }
        long fetchOffset = p.fetchOffset();
        Position pos = validate(fetchOffset, p.lastFetchedEpoch());
        if (pos == null) {
            answer.complete(response(ErrorCode.OFFSET_OUT_OF_RANGE));
            return;
        }
        if (pos != Position.VALID) {
            if (replicaId >= 0 && l.isVoter(key)) {
                l.progress(key).lastFetchMs = r.now();
            }
            FetchResponse.PartitionData d = partitionData(ErrorCode.NONE);
            if (pos.snapshotEnd >= 0) {
                d.snapshotId().setEndOffset(pos.snapshotEnd).setEpoch(pos.snapshotEpoch);
            } else {
                d.divergingEpoch().setEpoch(pos.divergingEpoch).setEndOffset(pos.divergingEnd);
            }
            answer.complete(RaftMessages.fetchResponse(d));
            return;
        }
        if (replicaId >= 0) {
            l.fetched(key, fetchOffset, r.raftLog.endOffset(), r.now());
            if (l.isVoter(key)) {
                r.updateLeaderHighWatermark(l);
            }
        }
        if (fetchOffset < r.raftLog.endOffset() || req.maxWaitMs() <= 0 || r.state() != l) {
            answer.complete(records(p, req.maxBytes()));
            return;
        }
        Parked w = new Parked(replicaId, p, answer, r.highWatermark());
        w.timeout = r.executor.schedule(() -> {
            if (parked.remove(w)) {
                w.answer.complete(records(w.partition, Integer.MAX_VALUE));
            }
        }, req.maxWaitMs());
        parked.add(w);
    }

    /**
     * Where the replica at ({@code fetchOffset}, {@code lastFetchedEpoch}) stands against this log: VALID, a
     * snapshot to load, a diverging epoch, or null for an offset past the log end.
     */
    private Position validate(long fetchOffset, int lastFetchedEpoch) {
        RaftLog log = r.raftLog;
        long start = log.startOffset();
        SnapshotId latest = r.latestSnapshot();
        if (fetchOffset < start) {
            return latest == null ? null : Position.snapshot(latest);
        }
        if (fetchOffset > log.endOffset() && lastFetchedEpoch == r.state().epoch()) {
            return null;
        }
        if (fetchOffset == 0 || (fetchOffset == start && r.snapshotAt(fetchOffset, lastFetchedEpoch) != null)) {
            return Position.VALID;
        }
        EpochEndOffset e = log.endOffsetForEpoch(lastFetchedEpoch);
        if (start > 0 && latest != null && (e.leaderEpoch() < 0 || e.endOffset() <= start
                || lastFetchedEpoch < log.epochForOffset(start))) {
            // The replica's epoch ended below this log's start (or the trimmed log no longer says where): only the
            // snapshot can tell it what is committed there. (The leader-epoch cache answers an epoch older than its
            // first with that first epoch's start, which after trimming is the log start, not the epoch's end.)
            return Position.snapshot(latest);
        }
        if (e.leaderEpoch() < 0) {
            return Position.diverging(0, start);
        }
        if (e.leaderEpoch() != lastFetchedEpoch || e.endOffset() < fetchOffset) {
            return Position.diverging(e.leaderEpoch(), e.endOffset());
        }
        return Position.VALID;
    }

    private FetchResponse.PartitionData partitionData(ErrorCode error) {
        return RaftMessages.fetchPartition(error, r.leaderForOthers(), r.establishedHighWatermark(),
            r.raftLog.startOffset());
    }

    private FetchResponse response(ErrorCode error) {
        return RaftMessages.fetchResponse(partitionData(error));
    }

    /** The records after the fetch offset (heap bytes), or none; with the current high watermark. */
    private FetchResponse records(FetchRequest.FetchPartition p, int maxBytes) {
        if (!(r.state() instanceof LeaderState) || r.isStopped()) {
            return response(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
        FetchResponse.PartitionData d = partitionData(ErrorCode.NONE);
        long end = r.raftLog.endOffset();
        long from = p.fetchOffset();
        if (from < end && from >= r.raftLog.startOffset()) {
            int bytes = Math.max(1, Math.min(Math.min(maxBytes, p.partitionMaxBytes()), r.config.maxFetchBytes()));
            ByteBuf buf = r.raftLog.read(from, end, bytes);
            try {
                d.setRecords(ByteBufRecords.wrap(ByteBufUtil.getBytes(buf)));
            } finally {
                buf.release();
            }
        }
        return RaftMessages.fetchResponse(d);
    }

    /** Answers the parked fetches that can be answered now: new records, or a new high watermark. */
    void wake() {
        if (parked.isEmpty()) {
            return;
        }
        long end = r.raftLog.endOffset();
        long hw = r.highWatermark();
        for (Iterator<Parked> it = parked.iterator(); it.hasNext(); ) {
            Parked w = it.next();
            if (w.partition.fetchOffset() < end || hw > w.highWatermark) {
                it.remove();
                w.timeout.cancel();
                w.answer.complete(records(w.partition, Integer.MAX_VALUE));
            }
        }
    }

    /** The leadership ended (or the replica stops): parked fetches learn who leads now. */
    void leadershipEnded() {
        for (Parked w : parked) {
            w.timeout.cancel();
            w.answer.complete(response(ErrorCode.NOT_LEADER_OR_FOLLOWER));
        }
        parked.clear();
    }

    // ---------------------------------------------------------------- FetchSnapshot

    FetchSnapshotResponse handleFetchSnapshot(FetchSnapshotRequest req) {
        FetchSnapshotRequest.PartitionSnapshot p = RaftMessages.partition(req);
        EpochState s = r.state();
        if (!(s instanceof LeaderState l)) {
            return snapshotError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
        if (p.currentLeaderEpoch() < l.epoch()) {
            return snapshotError(ErrorCode.FENCED_LEADER_EPOCH);
        }
        if (p.currentLeaderEpoch() > l.epoch()) {
            return snapshotError(ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        SnapshotId id = r.snapshotAt(p.snapshotId().endOffset(), p.snapshotId().epoch());
        if (id == null) {
            return snapshotError(ErrorCode.SNAPSHOT_NOT_FOUND);
        }
        byte[] bytes;
        try {
            bytes = snapshotBytes(id);
        } catch (IOException e) {
            log.warn("{}Cannot read snapshot {} for a follower", r.prefix, id.fileName(), e);
            return snapshotError(ErrorCode.SNAPSHOT_NOT_FOUND);
        }
        long position = p.position();
        if (position < 0 || position > bytes.length) {
            return snapshotError(ErrorCode.POSITION_OUT_OF_RANGE);
        }
        int length = (int) Math.min(bytes.length - position, Math.min(req.maxBytes(), r.config.maxFetchBytes()));
        byte[] chunk = new byte[length];
        System.arraycopy(bytes, (int) position, chunk, 0, length);
        if (req.replicaId() >= 0) {
            l.progress(new ReplicaKey(req.replicaId(), p.replicaDirectoryId())).lastFetchMs = r.now();
        }
        return RaftMessages.fetchSnapshotResponse(ErrorCode.NONE, r.leaderForOthers(), id, bytes.length, position,
            ByteBufRecords.wrap(chunk));
    }

    private byte[] snapshotBytes(SnapshotId id) throws IOException {
        if (!id.equals(cachedId)) {
            ByteBuf buf = r.raftLog.readSnapshot(id);
            try {
                cachedBytes = ByteBufUtil.getBytes(buf);
                cachedId = id;
            } finally {
                buf.release();
            }
        }
        return cachedBytes;
    }

    private FetchSnapshotResponse snapshotError(ErrorCode error) {
        return RaftMessages.fetchSnapshotResponse(error, r.leaderForOthers(), null, -1, -1,
            ByteBufRecords.wrap(new byte[0]));
    }
}
