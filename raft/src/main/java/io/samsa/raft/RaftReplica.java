package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.BeginQuorumEpochRequest;
import io.samsa.wire.message.EndQuorumEpochRequest;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.LeaderChangeMessage;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.record.ControlRecordType;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A replica of a Raft quorum in KRaft's design (KIP-595 with pre-vote, KIP-996; snapshots, KIP-630): the
 * replicated log of a voter or an observer over a {@link RaftLog} and a {@link RaftChannel}. It moves through one
 * {@link EpochState} at a time (Unattached, Prospective, Candidate, Leader, Follower, Resigned), writing what the
 * new state must remember ({@code quorum-state}: epoch, leader, vote) durably before it acts in it. The leader
 * appends a LeaderChange control record when elected, takes appends ({@link AppendQueue}), and commits an offset
 * once a majority of voters have it on disk and it passes that record; followers and observers replicate with
 * Fetch, truncating where the leader's log diverges and downloading a snapshot when they are behind its log start.
 * The elections live in {@link Elections}, the leader's side of Fetch and FetchSnapshot in {@link LeaderFetches},
 * the follower's in {@link FollowerFetches}.
 *
 * <p>Threads: everything runs on the replica's {@link SerialExecutor}: inbound requests are handed to it, and so
 * are responses, timers and the log's force completions. {@link #append} runs on the caller's thread (it only
 * queues), the getters read volatile fields. Listeners are called on the executor.
 *
 * <p>A failed write or force is fatal: the replica stops (no leader, appends fail with {@code KAFKA_STORAGE_ERROR},
 * requests are refused). {@link #close} resigns a leader gracefully (EndQuorumEpoch) and closes the log.
 */
final class RaftReplica<T> implements RaftClient<T>, CommitListeners.Source<T> {
    private static final Logger log = LoggerFactory.getLogger(RaftReplica.class);
    private static final int READ_BYTES = 1 << 20;

    final RaftConfig config;
    final int nodeId;
    final String prefix;
    final RaftLog raftLog;
    final RecordSerde<T> serde;
    final RaftChannel channel;
    final SerialExecutor executor;
    final Clock clock;
    final Random random;
    final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final AppendQueue<T> appends;
    private final CommitListeners<T> listeners;
    final Elections<T> elections;
    final LeaderFetches<T> leaderFetches;
    final FollowerFetches<T> followerFetches;

    private volatile LeaderAndEpoch leader;
    private volatile long highWatermark;
    private volatile SnapshotId latestSnapshot;

    // Executor only.
    private EpochState state;
    private Scheduler.Cancellable timer;
    /** The log is on disk below this offset. */
    private long durableEnd;
    /** Counts truncations: a force that completes after one no longer says anything about the log's end. */
    private long truncations;
    /** The snapshots on disk. */
    private final TreeSet<SnapshotId> snapshots = new TreeSet<>(
        (a, b) -> a.endOffset() != b.endOffset() ? Long.compare(a.endOffset(), b.endOffset())
            : Integer.compare(a.epoch(), b.epoch()));
    private Snapshot<T> decodedSnapshot;
    /** The leader's batches by base offset, kept until every listener has been told (no decoding back). */
    private final TreeMap<Long, CommitListeners.Entry<T>> leaderBatches = new TreeMap<>();
    private boolean closed;
    private boolean failed;

    private RaftReplica(RaftConfig config, RaftLog raftLog, RecordSerde<T> serde, RaftChannel channel,
                        SerialExecutor executor, Clock clock, Random random) {
        this.config = config;
        this.nodeId = config.nodeId();
        this.prefix = "[raft node=" + nodeId + "] ";
        this.raftLog = raftLog;
        this.serde = serde;
        this.channel = channel;
        this.executor = executor;
        this.clock = clock;
        this.random = random;
        this.appends = new AppendQueue<>(nodeId, serde, alloc, clock, config.maxBatchBytes(),
            () -> executor.execute(this::writeQueued));
        this.listeners = new CommitListeners<>(prefix);
        this.elections = new Elections<>(this);
        this.leaderFetches = new LeaderFetches<>(this);
        this.followerFetches = new FollowerFetches<>(this);
    }

    /**
     * Opens the replica over {@code raftLog} (which it then owns): loads the newest readable snapshot, checks the
     * log against it, and takes up the election state of {@code quorum-state}; then starts on {@code executor}.
     * Blocking file I/O on the caller's thread.
     */
    static <T> RaftReplica<T> open(RaftConfig config, RaftLog raftLog, RecordSerde<T> serde, RaftChannel channel,
                                   SerialExecutor executor, Clock clock, Random random) throws IOException {
        RaftReplica<T> r = new RaftReplica<>(config, raftLog, serde, channel, executor, clock, random);
        r.load();
        channel.onRequest(r::onRequest);
        executor.execute(r::start);
        return r;
    }

    /** Snapshot, log and election state as the disk has them. The opening thread, before {@link #start}. */
    private void load() throws IOException {
        SnapshotId snapshot = null;
        for (SnapshotId id : raftLog.snapshots()) {
            if (snapshot == null) {
                Snapshot<T> s = Snapshots.read(raftLog, id, serde, alloc, prefix);
                if (s != null) {
                    snapshot = id;
                    decodedSnapshot = s;
                    snapshots.add(id);
                }
            } else {
                snapshots.add(id);
            }
        }
        Snapshots.checkLog(raftLog, snapshot, prefix);
        if (snapshot != null && raftLog.startOffset() < snapshot.endOffset()
                && raftLog.endOffset() >= snapshot.endOffset()
                && raftLog.epochForOffset(snapshot.endOffset() - 1) != snapshot.epoch()) {
            // The snapshot came from a leader and the log from before it (a crash before the log was restarted at
            // the snapshot's end): the log below the snapshot's end is not the committed one.
            log.info("{}The log does not match snapshot {} below its end: restarting it there", prefix,
                snapshot.fileName());
            raftLog.truncateFullyAndStartAt(snapshot.endOffset());
        }
        latestSnapshot = snapshot;
        highWatermark = snapshot == null ? raftLog.startOffset() : snapshot.endOffset();
        durableEnd = raftLog.endOffset();
        ElectionState es = raftLog.electionState();
        leader = new LeaderAndEpoch(es.leaderId() == nodeId ? LeaderAndEpoch.NO_LEADER : es.leaderId(), es.epoch());
    }

    /** Takes up the state {@code quorum-state} describes (a former leader resigns). The executor. */
    private void start() {
        ElectionState es = raftLog.electionState();
        int logEpoch = Math.max(lastEpoch(), 0);
        EpochState initial;
        if (logEpoch > es.epoch()) {
            initial = new UnattachedState(logEpoch, -1);
        } else if (es.leaderId() == nodeId) {
            initial = config.isVoter() ? new ResignedState(es.epoch(), nodeId, List.of())
                : new UnattachedState(es.epoch(), -1);
        } else if (es.leaderId() >= 0) {
            initial = new FollowerState(es.epoch(), es.leaderId(), es.votedId(), now());
        } else {
            initial = new UnattachedState(es.epoch(), es.votedId());
        }
        log.info("{}Starting as {} ({}): log {}..{}, snapshot {}", prefix, initial, config.isVoter() ? "voter"
            : "observer", raftLog.startOffset(), raftLog.endOffset(), latestSnapshot == null ? "none"
            : latestSnapshot.fileName());
        transition(initial);
    }

    // ---------------------------------------------------------------- any thread

    @Override
    public LeaderAndEpoch leaderAndEpoch() {
        return leader;
    }

    @Override
    public long highWatermark() {
        return highWatermark;
    }

    @Override
    public SnapshotId latestSnapshot() {
        return latestSnapshot;
    }

    @Override
    public long append(int epoch, List<T> records) {
        return appends.append(epoch, records);
    }

    @Override
    public void register(Listener<T> listener) {
        executor.execute(() -> {
            listeners.add(listener);
            deliver();
        });
    }

    @Override
    public void unregister(Listener<T> listener) {
        listeners.remove(listener);
    }

    @Override
    public CompletableFuture<SnapshotId> createSnapshot(Snapshot<T> snapshot) {
        CompletableFuture<SnapshotId> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                done.complete(writeSnapshot(snapshot));
            } catch (IOException | RuntimeException e) {
                log.error("{}Could not write snapshot {}", prefix, snapshot.id().fileName(), e);
                done.completeExceptionally(e instanceof SamsaException ? e : new SamsaException(
                    ErrorCode.KAFKA_STORAGE_ERROR, "Could not write snapshot " + snapshot.id().fileName(), e));
            }
        });
        return done;
    }

    @Override
    public CompletableFuture<QuorumInfo> describeQuorum() {
        CompletableFuture<QuorumInfo> f = new CompletableFuture<>();
        executor.execute(() -> {
            if (state instanceof LeaderState l && !closed && !failed) {
                f.complete(l.describe(highWatermark));
            } else {
                f.completeExceptionally(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Node " + nodeId
                    + " does not lead the quorum (leader " + leader.leaderId() + ", epoch " + leader.epoch() + ")"));
            }
        });
        return f;
    }

    @Override
    public void close() {
        if (!appends.close()) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable stop = () -> {
            stopOnExecutor();
            done.complete(null);
        };
        if (executor.inExecutor()) {
            stop.run();
            return;
        }
        executor.execute(stop);
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("{}The replica did not close within 30 s", prefix, e);
        }
    }

    private void stopOnExecutor() {
        if (state instanceof LeaderState l && !failed) {
            // Graceful resignation: the voters hear it now instead of after their fetch timeout.
            transition(new ResignedState(l.epoch(), nodeId, l.successorsByProgress()));
        }
        closed = true;
        cancelTimer();
        leaderFetches.leadershipEnded();
        try {
            raftLog.close();
        } catch (IOException | RuntimeException e) {
            log.error("{}Could not close the log", prefix, e);
        }
        log.info("{}Closed in epoch {}", prefix, state == null ? -1 : state.epoch());
    }

    // ---------------------------------------------------------------- state (executor)

    EpochState state() {
        return state;
    }

    long now() {
        return clock.milliseconds();
    }

    boolean isStopped() {
        return closed || failed;
    }

    /**
     * Moves to {@code next}: writes its election state durably first (when it differs from what is on disk), then
     * leaves the current state (a leader stops taking appends and answers its parked fetches), enters the next
     * one and tells the listeners.
     */
    void transition(EpochState next) {
        if (isStopped()) {
            return;
        }
        EpochState prev = state;
        ElectionState es = next.election();
        if (!es.equals(raftLog.electionState())) {
            try {
                raftLog.writeElectionState(es);
            } catch (IOException | RuntimeException e) {
                fail(e);
                return;
            }
        }
        cancelTimer();
        if (prev instanceof LeaderState) {
            appends.stop();
            leaderBatches.clear();
            leaderFetches.leadershipEnded();
        }
        state = next;
        leader = next.leaderAndEpoch();
        if (prev == null || prev.epoch() != next.epoch() || prev.getClass() != next.getClass()
                || prev.leaderId() != next.leaderId()) {
            log.info("{}{} -> {}", prefix, prev, next);
        }
        enter(next);
        deliver();
    }

    private void enter(EpochState s) {
        if (s instanceof UnattachedState u) {
            if (config.isVoter()) {
                armTimer(elections.electionTimeoutMs(), elections::electionTimeout);
            } else {
                followerFetches.discoverLeader(u);
            }
        } else if (s instanceof ProspectiveState p) {
            elections.startPreVote(p);
        } else if (s instanceof CandidateState c) {
            elections.startElection(c);
        } else if (s instanceof LeaderState l) {
            becameLeader(l);
        } else if (s instanceof FollowerState f) {
            followerFetches.startFollowing(f);
        } else if (s instanceof ResignedState r) {
            elections.resigned(r);
        }
    }

    /** The replica's one state timer: replaced by the next call, cancelled by a transition. */
    void armTimer(long delayMs, Runnable task) {
        cancelTimer();
        EpochState armedIn = state;
        timer = executor.schedule(() -> {
            if (state == armedIn && !isStopped()) {
                task.run();
            }
        }, delayMs);
    }

    /** Runs {@code task} after {@code delayMs} if the state is still {@code in} (no cancellation needed). */
    void later(long delayMs, EpochState in, Runnable task) {
        executor.schedule(() -> {
            if (state == in && !isStopped()) {
                task.run();
            }
        }, delayMs);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /**
     * What every answer tells: the leader and epoch this replica knows. When {@code leaderId, epoch} names a newer
     * epoch, or the leader of the current epoch where none was known, moves to it (a follower of that leader, or
     * unattached when the leader is unknown). Returns true when it moved.
     */
    boolean learn(int leaderId, int epoch) {
        EpochState s = state;
        if (s == null || isStopped()) {
            return false;
        }
        boolean known = leaderId >= 0 && leaderId != nodeId;
        if (epoch > s.epoch()) {
            transition(known ? new FollowerState(epoch, leaderId, -1, now()) : new UnattachedState(epoch, -1));
            return true;
        }
        if (epoch == s.epoch() && known && s.leaderId() == LeaderAndEpoch.NO_LEADER) {
            transition(new FollowerState(epoch, leaderId, s.votedId(), now()));
            return true;
        }
        return false;
    }

    /** The leader and epoch this replica tells others (a resigned leader names no leader). */
    LeaderAndEpoch leaderForOthers() {
        return leader;
    }

    // ---------------------------------------------------------------- the log (executor)

    /** The epoch of the last entry: the log's, or the snapshot's when the log is empty at its end; 0 for none. */
    int lastEpoch() {
        if (raftLog.endOffset() > raftLog.startOffset()) {
            return raftLog.lastEpoch();
        }
        SnapshotId s = latestSnapshot;
        return s != null && s.endOffset() == raftLog.endOffset() ? s.epoch() : Math.max(0, raftLog.lastEpoch());
    }

    /** Whether a candidate's log ({@code lastEpoch}, {@code endOffset}) is at least as up to date as this one's. */
    boolean isUpToDate(int candidateLastEpoch, long candidateEndOffset) {
        int mine = lastEpoch();
        return candidateLastEpoch > mine || (candidateLastEpoch == mine && candidateEndOffset >= raftLog.endOffset());
    }

    long durableEnd() {
        return durableEnd;
    }

    long truncations() {
        return truncations;
    }

    /** The log was forced up to {@code end} by an append made at truncation count {@code generation}. */
    void durableUpTo(long end, long generation) {
        if (generation == truncations && end > durableEnd) {
            durableEnd = Math.min(end, raftLog.endOffset());
        }
    }

    /** Removes the log at and above {@code offset} (a follower whose log diverged); never below the commit. */
    void truncateTo(long offset) {
        if (offset < highWatermark) {
            throw new IllegalStateException("Truncating to " + offset + " would remove committed offsets below the"
                + " high watermark " + highWatermark);
        }
        raftLog.truncateTo(offset);
        truncations++;
        durableEnd = Math.min(durableEnd, raftLog.endOffset());
    }

    /** Restarts the log empty at {@code offset} (a snapshot from the leader was loaded up to there). */
    void restartLogAt(long offset) {
        raftLog.truncateFullyAndStartAt(offset);
        truncations++;
        durableEnd = offset;
    }

    SnapshotId snapshotAt(long endOffset, int epoch) {
        SnapshotId id = new SnapshotId(endOffset, epoch);
        return snapshots.contains(id) ? id : null;
    }

    // ---------------------------------------------------------------- leading (executor)

    private void becameLeader(LeaderState l) {
        appends.lead(l.epoch(), raftLog.endOffset());
        LeaderChangeMessage change = new LeaderChangeMessage().setVersion((short) 0).setLeaderId(nodeId);
        List<LeaderChangeMessage.Voter> voters = new ArrayList<>();
        for (int v : new TreeSet<>(config.voters())) {
            voters.add(new LeaderChangeMessage.Voter().setVoterId(v));
        }
        List<LeaderChangeMessage.Voter> granting = new ArrayList<>();
        for (int v : new TreeSet<>(l.grantingVoters())) {
            granting.add(new LeaderChangeMessage.Voter().setVoterId(v));
        }
        change.setVoters(voters).setGrantingVoters(granting);
        long now = now();
        appends.appendControl(base -> BatchCodec.encodeControl(alloc, base, l.epoch(), now,
            ControlRecordType.LEADER_CHANGE, change));
        elections.beginQuorumEpoch(l);
        leaderTick(l);
    }

    /** Every quarter fetch timeout: check-quorum, and BeginQuorumEpoch again to voters that have not answered. */
    private void leaderTick(LeaderState l) {
        long window = config.fetchTimeoutMs() * 3 / 2;
        long now = now();
        if (now - l.electedMs() >= window && !l.majorityFetchedWithin(now, window)) {
            log.warn("{}A majority of voters has not fetched within {} ms: resigning epoch {}", prefix, window,
                l.epoch());
            transition(new ResignedState(l.epoch(), nodeId, l.successorsByProgress()));
            return;
        }
        if (now > l.electedMs()) {
            elections.beginQuorumEpoch(l);
        }
        armTimer(Math.max(1, config.fetchTimeoutMs() / 4), () -> leaderTick(l));
    }

    /** Writes every queued batch; their forces complete on the log's flusher and come back here. */
    private void writeQueued() {
        List<AppendQueue.Pending<T>> batches = appends.drain();
        int i = 0;
        try {
            while (i < batches.size()) {
                AppendQueue.Pending<T> p = batches.get(i++);
                try {
                    if (!(state instanceof LeaderState l) || l.epoch() != p.epoch() || isStopped()) {
                        continue;
                    }
                    // A control batch has its offset and epoch already; the log takes it only as replicated.
                    RaftLog.Appended a = p.batch() == null ? raftLog.appendAsFollower(p.bytes())
                        : raftLog.appendAsLeader(p.bytes(), p.epoch());
                    if (a.firstOffset() != p.baseOffset()) {
                        throw new IllegalStateException("The batch for offset " + p.baseOffset() + " went to offset "
                            + a.firstOffset());
                    }
                    leaderBatches.put(p.baseOffset(), new CommitListeners.Entry<>(p.baseOffset(), p.lastOffset(),
                        p.batch()));
                    long end = a.lastOffset() + 1;
                    long gen = truncations;
                    a.durable().whenComplete((v, e) -> executor.execute(() -> leaderDurable(end, gen, e)));
                } catch (RuntimeException e) {
                    fail(e);
                } finally {
                    p.bytes().release();
                }
            }
        } finally {
            for (; i < batches.size(); i++) {
                batches.get(i).bytes().release();
            }
        }
        leaderFetches.wake();
    }

    private void leaderDurable(long end, long generation, Throwable error) {
        if (error != null) {
            fail(error);
            return;
        }
        durableUpTo(end, generation);
        if (state instanceof LeaderState l && !isStopped()) {
            l.localDurable(durableEnd, now());
            updateLeaderHighWatermark(l);
        }
    }

    /** Moves the high watermark to what a majority of voters has (it never goes back). */
    void updateLeaderHighWatermark(LeaderState l) {
        long hw = l.majorityEndOffset();
        if (hw > highWatermark) {
            advanceHighWatermark(hw);
            leaderFetches.wake();
        }
    }

    /** The commit index moves forward (never back); listeners hear of what it passed. */
    void advanceHighWatermark(long hw) {
        if (hw > highWatermark) {
            highWatermark = hw;
            deliver();
        }
    }

    // ---------------------------------------------------------------- listeners (executor)

    void deliver() {
        if (failed) {
            return;
        }
        long epochStart = state instanceof LeaderState l ? l.epochStartOffset() : -1;
        listeners.deliver(this, Math.min(highWatermark, raftLog.endOffset()), leader, nodeId, epochStart);
        long keepFrom = Math.min(listeners.lowestPosition(highWatermark), highWatermark);
        leaderBatches.headMap(keepFrom).clear();
    }

    @Override
    public long startOffset() {
        return raftLog.startOffset();
    }

    @Override
    public Snapshot<T> snapshot() {
        SnapshotId id = latestSnapshot;
        if (id == null) {
            return null;
        }
        if (decodedSnapshot == null || !decodedSnapshot.id().equals(id)) {
            try {
                decodedSnapshot = Snapshots.read(raftLog, id, serde, alloc, prefix);
            } catch (IOException e) {
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot read snapshot " + id.fileName(), e);
            }
            if (decodedSnapshot == null) {
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Snapshot " + id.fileName()
                    + " became unreadable");
            }
        }
        return decodedSnapshot;
    }

    @Override
    public List<CommitListeners.Entry<T>> read(long from, long to) {
        List<CommitListeners.Entry<T>> out = new ArrayList<>();
        for (Map.Entry<Long, CommitListeners.Entry<T>> e = leaderBatches.ceilingEntry(from);
             e != null && e.getKey() == from && from < to; e = leaderBatches.ceilingEntry(from)) {
            out.add(e.getValue());
            from = e.getValue().lastOffset() + 1;
        }
        if (!out.isEmpty() || from >= to) {
            return out;
        }
        ByteBuf buf = raftLog.read(from, to, READ_BYTES);
        try {
            RecordBatchView view = new RecordBatchView();
            for (int pos = buf.readerIndex(); pos < buf.writerIndex(); pos += view.sizeInBytes()) {
                view.wrap(buf, pos);
                view.validate(buf.writerIndex() - pos);
                if (view.lastOffset() < from) {
                    continue;
                }
                if (view.isControl()) {
                    out.add(new CommitListeners.Entry<>(view.baseOffset(), view.lastOffset(), null));
                    continue;
                }
                try {
                    Batch<T> b = BatchCodec.decode(view, serde, alloc);
                    out.add(new CommitListeners.Entry<>(b.baseOffset(), b.lastOffset(), b));
                } catch (DecodeException e) {
                    throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The batch at offset " + view.baseOffset()
                        + " cannot be read: " + e.getMessage(), e);
                }
            }
        } finally {
            buf.release();
        }
        return out;
    }

    // ---------------------------------------------------------------- snapshots (executor)

    private SnapshotId writeSnapshot(Snapshot<T> snapshot) throws IOException {
        SnapshotId id = snapshot.id();
        if (isStopped()) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "The replica is stopped");
        }
        if (id.endOffset() > highWatermark) {
            throw new IllegalArgumentException("Snapshot end " + id.endOffset() + " is beyond the high watermark "
                + highWatermark);
        }
        if (id.endOffset() > raftLog.startOffset() && id.endOffset() <= raftLog.endOffset()
                && raftLog.epochForOffset(id.endOffset() - 1) != id.epoch()) {
            throw new IllegalArgumentException("Snapshot " + id.fileName() + " names epoch " + id.epoch()
                + ", but offset " + (id.endOffset() - 1) + " is of epoch " + raftLog.epochForOffset(id.endOffset() - 1));
        }
        ByteBuf bytes = SnapshotCodec.encode(alloc, snapshot, serde, now());
        try {
            raftLog.writeSnapshot(id, bytes);
        } finally {
            bytes.release();
        }
        installed(id, snapshot);
        int deleted = trim();
        log.info("{}Wrote snapshot {} with {} record(s); deleted {} old segment(s)", prefix, id.fileName(),
            snapshot.records().size(), deleted);
        return id;
    }

    /** A snapshot is on disk: the newest one when it ends last. */
    void installed(SnapshotId id, Snapshot<T> decoded) {
        snapshots.add(id);
        if (latestSnapshot == null || snapshots.last().equals(id)) {
            latestSnapshot = id;
            decodedSnapshot = decoded;
        }
    }

    /** Deletes the snapshots beyond those retained and the segments below the oldest kept. */
    int trim() throws IOException {
        int deleted = raftLog.trimToSnapshots();
        snapshots.retainAll(raftLog.snapshots());
        return deleted;
    }

    // ---------------------------------------------------------------- requests (channel threads -> executor)

    private CompletableFuture<Message> onRequest(int fromId, Message request, short version) {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                if (isStopped() || state == null) {
                    answer.complete(Responses.error(request, ErrorCode.BROKER_NOT_AVAILABLE));
                } else if (request instanceof VoteRequest r) {
                    answer.complete(elections.handleVote(r));
                } else if (request instanceof BeginQuorumEpochRequest r) {
                    answer.complete(elections.handleBeginQuorumEpoch(r));
                } else if (request instanceof EndQuorumEpochRequest r) {
                    answer.complete(elections.handleEndQuorumEpoch(r));
                } else if (request instanceof FetchRequest r) {
                    leaderFetches.handleFetch(r, version, answer);
                } else if (request instanceof FetchSnapshotRequest r) {
                    answer.complete(leaderFetches.handleFetchSnapshot(r));
                } else {
                    answer.completeExceptionally(new SamsaException(ErrorCode.INVALID_REQUEST, "Node " + nodeId
                        + " does not answer " + request.getClass().getSimpleName()));
                }
            } catch (SamsaException e) {
                answer.complete(Responses.error(request, e.errorCode()));
            } catch (RuntimeException e) {
                log.error("{}Failed on a {} from {}", prefix, request.getClass().getSimpleName(), fromId, e);
                answer.complete(Responses.error(request, ErrorCode.UNKNOWN_SERVER_ERROR));
            }
        });
        return answer;
    }

    /** Sends {@code request} to {@code to}; {@code handler} gets the answer (or the failure) on the executor. */
    <R extends Message> void send(int to, Message request, short version, Class<R> type, ResponseHandler<R> handler) {
        channel.send(to, request, version).whenComplete((response, error) -> executor.execute(() -> {
            if (isStopped()) {
                return;
            }
            if (error != null) {
                handler.handle(null, error);
            } else if (!type.isInstance(response)) {
                handler.handle(null, new SamsaException(ErrorCode.INVALID_REQUEST, "Expected a "
                    + type.getSimpleName() + " from " + to + ", got " + response));
            } else {
                handler.handle(type.cast(response), null);
            }
        }));
    }

    /** Handles an answer, or the failure to get one, on the replica's executor. */
    @FunctionalInterface
    interface ResponseHandler<R> {
        void handle(R response, Throwable error);
    }

    // ---------------------------------------------------------------- failure

    /** A failed write or force: the replica stops for good. */
    void fail(Throwable cause) {
        if (failed) {
            return;
        }
        if (cause instanceof Error e) {
            // A simulated crash, or worse: nothing more runs on this replica.
            failed = true;
            throw e;
        }
        appends.fail(cause);
        log.error("{}The log failed; the replica stops", prefix, cause);
        cancelTimer();
        leaderFetches.leadershipEnded();
        leader = new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, state == null ? 0 : state.epoch());
        failed = true;
        listeners.deliver(this, -1, leader, nodeId, -1);
    }

    @Override
    public String toString() {
        return "RaftReplica(node=" + nodeId + ", " + state + ", hw=" + highWatermark + ")";
    }
}
