package io.samsa.server.cluster;

import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.raft.SnapshotId;
import io.samsa.server.metadata.RaftFactory;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test support until the Raft quorum exists: a broker-only node's replica of the metadata log that follows another
 * node's replica in the same JVM, as a Raft observer would follow it over the network. Listeners get what the
 * source commits, leader changes included; appends are refused, as an observer refuses them. Thread-safe.
 */
final class MirrorRaft implements RaftClient<Message> {
    private final RaftClient<Message> source;
    private final Map<Listener<Message>, Listener<Message>> registered = new ConcurrentHashMap<>();

    MirrorRaft(RaftClient<Message> source) {
        this.source = source;
    }

    /** A factory giving a node a mirror of {@code source} (the node's own log directory is closed, unused). */
    static RaftFactory of(RaftClient<Message> source) {
        return ctx -> {
            ctx.log().close();
            return new MirrorRaft(source);
        };
    }

    @Override
    public void register(Listener<Message> listener) {
        Listener<Message> forward = new Listener<>() {
            @Override
            public void handleCommit(Batch<Message> batch) {
                listener.handleCommit(batch);
            }

            @Override
            public void handleLoadSnapshot(Snapshot<Message> snapshot) {
                listener.handleLoadSnapshot(snapshot);
            }

            @Override
            public void handleLeaderChange(LeaderAndEpoch leader) {
                listener.handleLeaderChange(leader);
            }
        };
        registered.put(listener, forward);
        source.register(forward);
    }

    @Override
    public void unregister(Listener<Message> listener) {
        Listener<Message> forward = registered.remove(listener);
        if (forward != null) {
            source.unregister(forward);
        }
    }

    @Override
    public LeaderAndEpoch leaderAndEpoch() {
        return source.leaderAndEpoch();
    }

    @Override
    public long highWatermark() {
        return source.highWatermark();
    }

    @Override
    public long append(int epoch, List<Message> records) {
        throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "An observer does not append");
    }

    @Override
    public CompletableFuture<SnapshotId> createSnapshot(Snapshot<Message> snapshot) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                "An observer takes no snapshots"));
    }

    @Override
    public SnapshotId latestSnapshot() {
        return source.latestSnapshot();
    }

    @Override
    public CompletableFuture<io.samsa.raft.QuorumInfo> describeQuorum() {
        return source.describeQuorum();
    }

    @Override
    public void close() {
        for (Listener<Message> l : List.copyOf(registered.keySet())) {
            unregister(l);
        }
    }
}
