package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.wire.record.RecordBatchView;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One replica of a simulated quorum: its own simulated disk, its threads (the replica's executor, the log's
 * flusher, the channel's network thread), a {@link RaftReplica} over a {@link SimRaftChannel}, and a state machine
 * (a listener) that checks every committed batch against the {@link CommitModel}. A crash kills the threads and
 * takes the node off the network; {@link #start} brings up a new incarnation from what the disk kept. Not
 * thread-safe: the simulation's thread.
 */
final class SimRaftNode {
    static final Path DATA = Path.of("/sim/raft");

    final int id;
    RaftConfig config;
    SimDisk disk;
    /** The voters a fresh disk is formatted with (a dynamic quorum's first voters), or null. */
    VoterSet formatWith;
    /** Whether its channel models connections (see {@link SimRaftChannel}); set before {@link #start}. */
    boolean closesConnections;
    /** The log's end on disk as last seen (kept while the node is down; 0 after a wipe). */
    long durable;
    int wipes;
    private final SimScheduler scheduler;
    private final SimNetwork<SimRaftChannel.Envelope> network;
    private final CommitModel model;
    private final RaftLogConfig logConfig;
    private final long requestTimeoutMs;
    private final boolean strictNames;
    int incarnation;
    boolean up;
    private final List<SimExecutor> threads = new ArrayList<>();
    RaftReplica<String> raft;
    StateMachine machine;
    /** The high watermark last seen in this incarnation: it never goes back. */
    long lastHighWatermark;
    long snapshotsLoaded;
    long truncations;

    SimRaftNode(int id, RaftConfig config, SimScheduler scheduler, SimNetwork<SimRaftChannel.Envelope> network,
                CommitModel model, RaftLogConfig logConfig, long requestTimeoutMs, boolean strictNames) {
        this.id = id;
        this.config = config;
        this.scheduler = scheduler;
        this.network = network;
        this.model = model;
        this.logConfig = logConfig;
        this.requestTimeoutMs = requestTimeoutMs;
        this.strictNames = strictNames;
        this.disk = newDisk();
    }

    private SimDisk newDisk() {
        SimDisk d = new SimDisk(scheduler.random(), scheduler.clock()).strictNames(strictNames);
        d.onCrash(this::died);
        return d;
    }

    /** Whether the replica is a voter of the set it knows (the static config's before it opened). */
    boolean isVoter() {
        return raft != null ? raft.isVoter() : config.isVoter();
    }

    ReplicaKey key() {
        return config.key();
    }

    /**
     * The node's disk is lost: it crashes, and comes back (at its next {@link #start}) with an empty disk and a new
     * directory id, unformatted: a new replica that finds the leader through its bootstrap servers.
     */
    void wipe(java.util.UUID newDirectory) {
        crash();
        disk = newDisk();
        config = config.withDynamic(newDirectory, config.endpoints(), config.bootstrapServers());
        formatWith = null;
        durable = 0;
        wipes++;
        raft = null;
        machine = null;
    }

    /** Opens the log and the replica: a new incarnation. A crash while opening leaves the node down. */
    void start() throws Exception {
        if (disk.isCrashed()) {
            disk.restart();
        }
        incarnation++;
        SimExecutor exec = scheduler.executor("raft-" + id + "." + incarnation);
        SimExecutor flusher = scheduler.executor("flusher-" + id + "." + incarnation);
        SimExecutor io = scheduler.executor("io-" + id + "." + incarnation);
        threads.clear();
        threads.add(exec);
        threads.add(flusher);
        threads.add(io);
        up = true;
        lastHighWatermark = 0;
        SimRaftChannel channel = new SimRaftChannel(id, network, io, requestTimeoutMs, closesConnections);
        try {
            RaftLog log = RaftLog.open(DATA, logConfig, scheduler.clock(), exec, disk, flusher, flusher);
            if (formatWith != null && log.endOffset() == 0 && log.snapshots().isEmpty()) {
                RaftClient.formatVoters(log, formatWith);
            }
            raft = RaftReplica.open(config, log, StringSerde.INSTANCE, channel, exec, scheduler.clock(),
                scheduler.random());
        } catch (SimulatedCrash c) {
            return;
        }
        machine = new StateMachine(this);
        raft.register(machine);
    }

    /** The disk crashed (now, or at the operation chosen): the node's threads and connections die with it. */
    private void died() {
        up = false;
        for (SimExecutor t : threads) {
            t.kill();
        }
        network.crash(id);
        if (raft != null) {
            truncations += raft.truncations();
        }
    }

    /** Crashes now, between operations. */
    void crash() {
        if (up) {
            disk.crash();
        }
    }

    /** Closes gracefully (a leader resigns), then stops the process: what was not forced is lost all the same. */
    void stop() {
        if (!up) {
            return;
        }
        RaftReplica<String> r = raft;
        threads.get(0).execute(r::close);
    }

    /** The replica's executor of this incarnation. */
    SimExecutor raftExecutor() {
        return threads.get(0);
    }

    boolean isLeader() {
        return up && raft != null && raft.state() instanceof LeaderState;
    }

    /** The listener: a state machine of (count, hash) checked against the model after every batch. */
    static final class StateMachine implements RaftClient.Listener<String> {
        private final SimRaftNode node;
        private final int incarnation;
        long next = -1;
        int lastEpoch;
        CommitModel.State state = CommitModel.State.EMPTY;
        LeaderAndEpoch leader;

        StateMachine(SimRaftNode node) {
            this.node = node;
            this.incarnation = node.incarnation;
        }

        private boolean current() {
            return node.up && node.incarnation == incarnation;
        }

        @Override
        public void handleCommit(Batch<String> batch) {
            if (!current()) {
                return;
            }
            long from = next < 0 ? 0 : next;
            if (batch.baseOffset() < from) {
                throw new AssertionError("Node " + node.id + " was told " + CommitModel.describe(batch) + " after "
                    + "offset " + from + ": twice or out of order");
            }
            if (batch.baseOffset() > from) {
                checkOnlyControlBetween(from, batch.baseOffset());
            }
            if (batch.baseOffset() >= node.raft.highWatermark()) {
                throw new AssertionError("Node " + node.id + " was told " + CommitModel.describe(batch)
                    + " above its high watermark " + node.raft.highWatermark());
            }
            try {
                node.model.committed(node.id, batch);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (incarnation " + incarnation + ", told up to " + next
                    + ", " + node.raft + ", log " + node.raft.raftLog.startOffset() + ".." + node.raft.raftLog.endOffset()
                    + ", snapshot " + node.raft.latestSnapshot() + ")", e);
            }
            state = state.apply(batch.records());
            next = batch.lastOffset() + 1;
            lastEpoch = batch.epoch();
            CommitModel.State expected = node.model.stateAt(next);
            if (!expected.equals(state)) {
                throw new AssertionError("Node " + node.id + " has state " + state + " at " + next + ", the log "
                    + expected);
            }
        }

        /** What lies between two batches told one after the other may only be control batches (LeaderChange). */
        private void checkOnlyControlBetween(long from, long to) {
            if (!node.model.between(from, to).isEmpty()) {
                throw new AssertionError("Node " + node.id + " skipped the committed batches "
                    + node.model.between(from, to).keySet() + " between " + from + " and " + to);
            }
            long at = from;
            RecordBatchView view = new RecordBatchView();
            while (at < to) {
                ByteBuf buf = node.raft.raftLog.read(at, to, 1 << 20);
                try {
                    if (!buf.isReadable()) {
                        throw new AssertionError("Node " + node.id + " has no batch at " + at + " below " + to);
                    }
                    for (int pos = 0; pos < buf.writerIndex() && at < to; pos += view.sizeInBytes()) {
                        view.wrap(buf, pos);
                        if (view.lastOffset() < at) {
                            continue;
                        }
                        if (!view.isControl()) {
                            throw new AssertionError("Node " + node.id + " skipped the data batch at "
                                + view.baseOffset());
                        }
                        at = view.lastOffset() + 1;
                    }
                } finally {
                    buf.release();
                }
            }
        }

        @Override
        public void handleLoadSnapshot(Snapshot<String> snapshot) {
            if (!current()) {
                return;
            }
            long end = snapshot.id().endOffset();
            if (next >= 0 && end <= next) {
                throw new AssertionError("Node " + node.id + " loaded snapshot " + snapshot.id() + " at position "
                    + next + ": it goes back");
            }
            state = CommitModel.State.fromRecords(snapshot.records());
            CommitModel.State expected = node.model.stateAt(end);
            if (!expected.equals(state)) {
                throw new AssertionError("Node " + node.id + " loaded snapshot " + snapshot.id() + " with state "
                    + state + ", the log's " + expected);
            }
            if (next >= 0) {
                node.snapshotsLoaded++;
            }
            next = end;
            lastEpoch = snapshot.id().epoch();
        }

        @Override
        public void handleLeaderChange(LeaderAndEpoch newLeader) {
            if (current()) {
                leader = newLeader;
            }
        }
    }
}
