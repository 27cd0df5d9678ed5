package io.samsa.controller;

import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.QuorumInfo;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.raft.SnapshotId;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A replicated log the test drives by hand: it leads, loses the leadership and commits when told, and can put
 * control records (a new epoch's LeaderChange) between the data batches as a quorum leader does. Listeners are
 * called on the caller's thread; the controller hands the calls over to its own executor.
 */
final class ScriptedRaft implements RaftClient<Message> {
    private final List<Listener<Message>> listeners = new ArrayList<>();
    private final List<Batch<Message>> uncommitted = new ArrayList<>();
    private LeaderAndEpoch leader = new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 0);
    private long endOffset;
    private long highWatermark;

    /** Makes {@code nodeId} lead {@code epoch}, after {@code controlRecords} control records at the log's end. */
    synchronized void lead(int nodeId, int epoch, int controlRecords) {
        endOffset += controlRecords;
        changeLeader(new LeaderAndEpoch(nodeId, epoch));
    }

    /** Ends the leadership: {@code leaderId} (maybe {@link LeaderAndEpoch#NO_LEADER}) leads {@code epoch}. */
    synchronized void changeLeader(LeaderAndEpoch next) {
        leader = next;
        for (Listener<Message> l : listeners) {
            l.handleLeaderChange(next);
        }
    }

    /** Commits everything appended so far. */
    synchronized void commitAll() {
        for (Batch<Message> b : uncommitted) {
            for (Listener<Message> l : listeners) {
                l.handleCommit(b);
            }
        }
        uncommitted.clear();
        highWatermark = endOffset;
    }

    /** The offset the next record gets. */
    synchronized long endOffset() {
        return endOffset;
    }

    @Override
    public synchronized void register(Listener<Message> listener) {
        listeners.add(listener);
        listener.handleLeaderChange(leader);
    }

    @Override
    public synchronized void unregister(Listener<Message> listener) {
        listeners.remove(listener);
    }

    @Override
    public synchronized LeaderAndEpoch leaderAndEpoch() {
        return leader;
    }

    @Override
    public synchronized long highWatermark() {
        return highWatermark;
    }

    @Override
    public synchronized long append(int epoch, List<Message> records) {
        return append(epoch, base -> records);
    }

    @Override
    public synchronized long append(int epoch, java.util.function.LongFunction<List<Message>> recordsAt) {
        if (!leader.hasLeader() || epoch != leader.epoch()) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Not the leader of epoch " + epoch);
        }
        List<Message> records = recordsAt.apply(endOffset);
        uncommitted.add(new Batch<>(endOffset, epoch, 0L, 0, records));
        endOffset += records.size();
        return endOffset - 1;
    }

    @Override
    public CompletableFuture<SnapshotId> createSnapshot(Snapshot<Message> snapshot) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no snapshots"));
    }

    @Override
    public SnapshotId latestSnapshot() {
        return null;
    }

    @Override
    public CompletableFuture<QuorumInfo> describeQuorum() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no quorum"));
    }

    @Override
    public void close() {
    }
}
