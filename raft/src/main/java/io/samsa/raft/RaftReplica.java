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
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.KRaftVersionRecord;
import io.samsa.wire.message.LeaderChangeMessage;
import io.samsa.wire.message.UpdateRaftVoterRequest;
import io.samsa.wire.message.UpdateRaftVoterResponse;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

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
    /** See {@link #leaderHighWatermark()}; only grows. */
    private volatile long leaderHighWatermark = -1;
    private volatile SnapshotId latestSnapshot;
    /** The newest voter set in the log (or the static one), for other threads. */
    private volatile VoterSet voters;
    private volatile short kraftVersion;
    /** The voter sets by offset (executor, and the opening thread before the start). */
    final VoterHistory voterHistory;
    /** The leader's voter change waiting for its commit: at most one (KIP-853). */
    private PendingChange pendingChange;

    private record PendingChange(long offset, CompletableFuture<Void> done) {
    }

    // Executor only.
    private EpochState state;
    private Scheduler.Cancellable timer;
    /** The log is on disk below this offset. */
    private long durableEnd;
    /** Until when a candidate that named this non-voter may have needed it to stand (see {@link #standsAsNamed}). */
    private long namedUntilMs = Long.MIN_VALUE;
    /** Counts truncations: a force that completes after one no longer says anything about the log's end. */
    private long truncations;
    /** Where each recent truncation cut the log, by truncation count. */
    private final TreeMap<Long, Long> cutsByGeneration = new TreeMap<>();
    /** The snapshots on disk. */
    private final TreeSet<SnapshotId> snapshots = new TreeSet<>(
        (a, b) -> a.endOffset() != b.endOffset() ? Long.compare(a.endOffset(), b.endOffset())
            : Integer.compare(a.epoch(), b.epoch()));
    private Snapshot<T> decodedSnapshot;
    /** The leader's batches by base offset, kept until every listener has been told (no decoding back). */
    private final TreeMap<Long, CommitListeners.Entry<T>> leaderBatches = new TreeMap<>();
    private boolean closed;
    private boolean failed;
    /**
     * Requests from other replicas not yet answered, with the request each answers. Their callers hold the
     * request's bytes until the answer comes, so {@link #close} answers whatever is left: a task queued on the
     * executor when it closes is dropped, never run.
     */
    private final Map<CompletableFuture<Message>, Message> unanswered = new ConcurrentHashMap<>();
    /** Set by {@link #close} (any thread): requests arriving from then on are answered at once. */
    private volatile boolean closing;

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
        this.voterHistory = new VoterHistory(VoterSet.ofIds(config.voters()));
        this.voters = voterHistory.current();
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
        VoterSet[] snapshotVoters = new VoterSet[1];
        for (SnapshotId id : raftLog.snapshots()) {
            if (snapshot == null) {
                snapshotVoters[0] = null;
                Snapshot<T> s = Snapshots.read(raftLog, id, serde, alloc, prefix, v -> snapshotVoters[0] = v);
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
        if (snapshot != null && snapshotVoters[0] != null) {
            voterHistory.resetTo(snapshot.endOffset(), snapshotVoters[0]);
        }
        loadVoters(snapshot == null ? raftLog.startOffset() : Math.max(raftLog.startOffset(), snapshot.endOffset()));
        ElectionState es = raftLog.electionState();
        leader = new LeaderAndEpoch(es.leaderId() == nodeId ? LeaderAndEpoch.NO_LEADER : es.leaderId(), es.epoch());
    }

    /** Finds the VotersRecords of the log from {@code from} on (the opening thread). */
    private void loadVoters(long from) {
        long end = raftLog.endOffset();
        RecordBatchView view = new RecordBatchView();
        while (from < end) {
            ByteBuf buf = raftLog.read(from, end, READ_BYTES);
            try {
                if (!buf.isReadable()) {
                    break;
                }
                voterHistory.scan(buf, alloc);
                long last = from;
                for (int pos = buf.readerIndex(); pos < buf.writerIndex(); pos += view.sizeInBytes()) {
                    view.wrap(buf, pos);
                    last = view.lastOffset();
                }
                from = Math.max(from + 1, last + 1);
            } finally {
                buf.release();
            }
        }
        voters = voterHistory.current();
        kraftVersion = voterHistory.kraftVersion();
    }

    /** Takes up the state {@code quorum-state} describes (a former leader resigns). The executor. */
    private void start() {
        ElectionState es = raftLog.electionState();
        int logEpoch = Math.max(lastEpoch(), 0);
        EpochState initial;
        if (logEpoch > es.epoch()) {
            initial = new UnattachedState(logEpoch, -1);
        } else if (es.leaderId() == nodeId) {
            initial = mayStandForElection() ? new ResignedState(es.epoch(), nodeId, List.of())
                : new UnattachedState(es.epoch(), -1);
        } else if (es.leaderId() >= 0) {
            initial = new FollowerState(es.epoch(), es.leaderId(), es.votedId(), now());
        } else {
            initial = new UnattachedState(es.epoch(), es.votedId());
        }
        log.info("{}Starting as {} ({}): log {}..{}, snapshot {}, voters {}", prefix, initial, isVoter() ? "voter"
            : "observer", raftLog.startOffset(), raftLog.endOffset(), latestSnapshot == null ? "none"
            : latestSnapshot.fileName(), voterHistory);
        tellChannelEndpoints();
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
    public long leaderHighWatermark() {
        return leaderHighWatermark;
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
    public long append(int epoch, LongFunction<List<T>> recordsAt) {
        return appends.append(epoch, recordsAt);
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
        closing = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable stop = () -> {
            stopOnExecutor();
            done.complete(null);
        };
        if (executor.inExecutor()) {
            stop.run();
        } else {
            executor.execute(stop);
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.error("{}The replica did not close within 30 s", prefix, e);
            }
        }
        answerUnanswered();
    }

    /** Answers every request still waiting with BROKER_NOT_AVAILABLE (the replica is gone; the sender retries). */
    private void answerUnanswered() {
        for (Map.Entry<CompletableFuture<Message>, Message> e : unanswered.entrySet()) {
            e.getKey().complete(Responses.error(e.getValue(), ErrorCode.BROKER_NOT_AVAILABLE));
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
            failPendingChange(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Node " + nodeId
                + " no longer leads epoch " + prev.epoch() + "; the voter change may or may not be committed"));
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
            if (mayStandForElection()) {
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

    /**
     * The log was forced up to {@code end} by an append made at truncation count {@code generation}. What a
     * truncation since then left below its cut is the same bytes, so durable too.
     */
    void durableUpTo(long end, long generation) {
        long cap = Math.min(end, raftLog.endOffset());
        if (generation != truncations) {
            if (cutsByGeneration.isEmpty() || cutsByGeneration.firstKey() > generation + 1) {
                return;
            }
            for (long cut : cutsByGeneration.tailMap(generation, false).values()) {
                cap = Math.min(cap, cut);
            }
        }
        if (cap > durableEnd) {
            durableEnd = cap;
        }
    }

    private void cut(long offset) {
        truncations++;
        cutsByGeneration.put(truncations, offset);
        if (cutsByGeneration.size() > 64) {
            cutsByGeneration.pollFirstEntry();
        }
    }

    /** Removes the log at and above {@code offset} (a follower whose log diverged); never below the commit. */
    void truncateTo(long offset) {
        if (offset < highWatermark) {
            throw new IllegalStateException("Truncating to " + offset + " would remove committed offsets below the"
                + " high watermark " + highWatermark);
        }
        raftLog.truncateTo(offset);
        cut(offset);
        durableEnd = Math.min(durableEnd, raftLog.endOffset());
        if (voterHistory.lastChangeOffset() >= offset) {
            voterHistory.truncateTo(offset);
            votersChanged();
        }
    }

    /**
     * Restarts the log empty at {@code offset} (a snapshot from the leader was loaded up to there); the snapshot's
     * voter set ({@code snapshotVoters}, null for a static quorum) is the one in force.
     */
    void restartLogAt(long offset, VoterSet snapshotVoters) {
        raftLog.truncateFullyAndStartAt(offset);
        cut(offset);
        durableEnd = offset;
        if (snapshotVoters != null || voterHistory.dynamic()) {
            voterHistory.resetTo(offset, snapshotVoters);
            votersChanged();
        }
    }

    // ---------------------------------------------------------------- the voters (executor)

    @Override
    public VoterSet voters() {
        return voters;
    }

    @Override
    public short kraftVersion() {
        return kraftVersion;
    }

    /** Whether this replica (its id and directory id) is a voter of the newest set. */
    boolean isVoter() {
        return voters.contains(config.key());
    }

    /**
     * Whether this replica may hold elections: a voter of the newest set, or a voter of the set before it while the
     * newest (which removed it) is not known to be committed. A leader that removed itself and restarted before the
     * removal was committed may be the only replica with the longest log; it then stands, counts the votes of the
     * new set only (never its own), commits the removal and resigns (KIP-853 lets a removed leader lead until then).
     */
    boolean mayStandForElection() {
        if (isVoter() || standsAsNamed()) {
            return true;
        }
        long last = voterHistory.lastChangeOffset();
        return last >= highWatermark && voterHistory.at(last - 1).contains(config.key());
    }

    /**
     * Whether a candidate that names this replica as a voter (id and directory id) was refused lately because this
     * log is ahead of its own, while this replica is no voter of its own newest set (nor is its id: a wiped disk's
     * old key still in the set does not stand for it). The candidate's set holds a VotersRecord this log does not,
     * which may never be committed, and its majority may need this replica's vote, which it cannot have; the set
     * this log holds may need this log, which nobody else has. Such a replica stands like a voter of its own set: it
     * counts only that set's votes (never its own, so it commits nothing by itself), and once it has committed its
     * epoch, which cuts the candidate's uncommitted change away, it resigns as a leader that removed itself does.
     */
    boolean standsAsNamed() {
        return now() < namedUntilMs && voters.voter(nodeId) == null && voterHistory.dynamic();
    }

    /** Whether a candidate named this non-voter since it last resigned (its candidacy may outlast the window). */
    boolean wasNamed() {
        return namedUntilMs != Long.MIN_VALUE;
    }

    /** A candidate naming this replica (see {@link #standsAsNamed}) was refused: this one may stand for a while. */
    void namedByCandidateBehind() {
        if (!isVoter() && voters.voter(nodeId) == null && voterHistory.dynamic()) {
            namedUntilMs = now() + 2 * config.fetchTimeoutMs();
        }
    }

    /**
     * Notes the VotersRecords among {@code appended} (the batches just written to the log, read from a duplicate
     * taken before the write). Returns true when the voter set changed.
     */
    boolean noteVoters(ByteBuf appended) {
        if (voterHistory.scan(appended, alloc)) {
            votersChanged();
            return true;
        }
        return false;
    }

    /** The newest voter set changed: the getters, the channel and the leader's progress follow. */
    private void votersChanged() {
        VoterSet before = voters;
        voters = voterHistory.current();
        kraftVersion = voterHistory.kraftVersion();
        if (before.equals(voters)) {
            return;
        }
        log.info("{}Voters {} -> {}", prefix, before, voters);
        tellChannelEndpoints();
        if (state instanceof LeaderState l && !isStopped()) {
            l.updateVoters(voters);
            elections.beginQuorumEpoch(l);
            updateLeaderHighWatermark(l);
        }
    }

    private void tellChannelEndpoints() {
        for (VoterSet.Voter v : voters.voters()) {
            if (v.id() != nodeId && !v.endpoints().isEmpty()) {
                channel.endpoints(v.id(), v.endpoints());
            }
        }
    }

    /** The leader's endpoints an answer names (Fetch's NodeEndpoints): the channel learns where it listens. */
    void learnEndpoints(FetchResponse resp) {
        for (FetchResponse.NodeEndpoint e : resp.nodeEndpoints()) {
            if (e.nodeId() != nodeId) {
                channel.endpoints(e.nodeId(), List.of(new VoterSet.Endpoint("", e.host(), e.port())));
            }
        }
    }

    @Override
    public CompletableFuture<Void> addVoter(String clusterId, VoterSet.Voter voter) {
        return changeVoters(clusterId, "add voter " + voter.key(), (l, current) -> {
            if (current.voter(voter.id()) != null) {
                throw new SamsaException(ErrorCode.DUPLICATE_VOTER, "Node " + voter.id() + " is a voter already ("
                    + current.voter(voter.id()).key() + ")");
            }
            if (!voter.key().hasDirectory() || voter.endpoints().isEmpty()) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "A new voter needs a directory id and endpoints");
            }
            LeaderState.Progress p = l.observer(voter.key());
            if (p == null || now() - p.lastFetchMs > config.fetchTimeoutMs() || p.endOffset < highWatermark) {
                throw new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "Replica " + voter.key() + " is not caught"
                    + " up: it must fetch as an observer up to the high watermark " + highWatermark + " first");
            }
            return current.with(voter);
        });
    }

    @Override
    public CompletableFuture<Void> removeVoter(String clusterId, ReplicaKey voter) {
        return changeVoters(clusterId, "remove voter " + voter, (l, current) -> {
            if (!current.contains(voter)) {
                throw new SamsaException(ErrorCode.VOTER_NOT_FOUND, "Replica " + voter + " is not a voter of "
                    + current);
            }
            if (current.size() == 1) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Cannot remove the last voter");
            }
            return current.without(voter);
        });
    }

    @Override
    public CompletableFuture<Void> updateVoter(String clusterId, VoterSet.Voter voter) {
        return changeVoters(clusterId, "update voter " + voter.key(), (l, current) -> {
            if (!current.contains(voter.key())) {
                throw new SamsaException(ErrorCode.VOTER_NOT_FOUND, "Replica " + voter.key() + " is not a voter of "
                    + current);
            }
            VoterSet.Voter old = current.voter(voter.id());
            VoterSet.Voter updated = new VoterSet.Voter(old.key(), voter.endpoints(), voter.minKraftVersion(),
                voter.maxKraftVersion());
            return updated.equals(old) ? null : current.replacing(updated);
        });
    }

    /** Computes a voter change from the leader's state and the current set; null for nothing to change. */
    @FunctionalInterface
    private interface VoterChange {
        VoterSet next(LeaderState l, VoterSet current);
    }

    /**
     * One voter change at a time, on the leader, in a dynamic quorum, once the leader has committed in its epoch
     * (so that no change of an earlier epoch is pending unseen): appends the new set as a VotersRecord, which is in
     * force at once; completes when it is committed.
     */
    private CompletableFuture<Void> changeVoters(String clusterId, String what, VoterChange change) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                checkClusterId(clusterId);
                if (!(state instanceof LeaderState l) || isStopped()) {
                    throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Node " + nodeId + " does not lead"
                        + " the quorum (leader " + leader.leaderId() + ", epoch " + leader.epoch() + ")");
                }
                if (!voterHistory.dynamic()) {
                    throw new SamsaException(ErrorCode.UNSUPPORTED_VERSION, "The quorum has static voters"
                        + " (kraft.version 0): its voters cannot change");
                }
                if (highWatermark <= l.epochStartOffset()) {
                    throw new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "The leader has not committed in epoch "
                        + l.epoch() + " yet; retry");
                }
                if (pendingChange != null || voterHistory.lastChangeOffset() >= highWatermark) {
                    throw new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "Another voter change is not committed"
                        + " yet; retry");
                }
                VoterSet next = change.next(l, voterHistory.current());
                if (next == null) {
                    done.complete(null);
                    return;
                }
                long now = now();
                long offset = appends.appendControl(base -> BatchCodec.encodeControl(alloc, base, l.epoch(), now,
                    ControlRecordType.KRAFT_VOTERS, next.toRecord()));
                if (offset < 0) {
                    throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Node " + nodeId + " takes no appends");
                }
                log.info("{}Voter change at offset {}: {} ({} -> {})", prefix, offset, what, voterHistory.current(),
                    next);
                pendingChange = new PendingChange(offset, done);
            } catch (SamsaException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private void failPendingChange(SamsaException e) {
        if (pendingChange != null) {
            pendingChange.done().completeExceptionally(e);
            pendingChange = null;
        }
    }

    /** Refuses a request naming another cluster (a null id is not checked, as Kafka does for older senders). */
    void checkClusterId(String clusterId) {
        if (clusterId != null && config.clusterId() != null && !clusterId.equals(config.clusterId())) {
            throw new SamsaException(ErrorCode.INCONSISTENT_CLUSTER_ID, "Cluster id " + clusterId + " is not this"
                + " quorum's " + config.clusterId());
        }
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
        for (int v : this.voters.ids()) {
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
        if (voterHistory.dynamic() && voterHistory.lastChangeOffset() < 0) {
            // The voters come from the bootstrap checkpoint only: put them in the log, where replicas that join
            // later (formatted without them) find them.
            VoterSet set = voterHistory.current();
            appends.appendControl(base -> BatchCodec.encodeControl(alloc, base, l.epoch(), now,
                ControlRecordType.KRAFT_VERSION, new KRaftVersionRecord().setVersion((short) 0)
                    .setKRaftVersion((short) 1)));
            appends.appendControl(base -> BatchCodec.encodeControl(alloc, base, l.epoch(), now,
                ControlRecordType.KRAFT_VOTERS, set.toRecord()));
        }
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
                    ByteBuf control = p.batch() == null ? p.bytes().duplicate() : null;
                    RaftLog.Appended a = p.batch() == null ? raftLog.appendAsFollower(p.bytes())
                        : raftLog.appendAsLeader(p.bytes(), p.epoch());
                    if (a.firstOffset() != p.baseOffset()) {
                        throw new IllegalStateException("The batch for offset " + p.baseOffset() + " went to offset "
                            + a.firstOffset());
                    }
                    leaderBatches.put(p.baseOffset(), new CommitListeners.Entry<>(p.baseOffset(), p.lastOffset(),
                        p.batch()));
                    if (control != null) {
                        noteVoters(control);
                    }
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
        if (state == l && !isVoter() && highWatermark > voterHistory.lastChangeOffset()
                && highWatermark > l.epochStartOffset()) {
            // KIP-853: a leader that removed itself leads until the removal is committed, then resigns; one that
            // stood as named (standsAsNamed) once its epoch is committed.
            namedUntilMs = Long.MIN_VALUE;
            log.info("{}This replica is no longer a voter ({}): resigning epoch {}", prefix, voters, l.epoch());
            transition(new ResignedState(l.epoch(), nodeId, l.successorsByProgress()));
        }
    }

    /** The commit index moves forward (never back); listeners hear of what it passed. */
    void advanceHighWatermark(long hw) {
        if (hw > highWatermark) {
            highWatermark = hw;
            if (state instanceof LeaderState l && hw > l.epochStartOffset()) {
                noteLeaderHighWatermark(hw);
            }
            if (pendingChange != null && hw > pendingChange.offset()) {
                pendingChange.done().complete(null);
                pendingChange = null;
            }
            deliver();
        }
    }

    /**
     * The high watermark the leader tells others: its own once it committed its epoch's first record (everything
     * before it is then committed too), else -1, as KRaft's leader answers while its high watermark is unknown: an
     * older one may lie far below what the quorum committed.
     */
    long establishedHighWatermark() {
        return state instanceof LeaderState l && highWatermark > l.epochStartOffset() ? highWatermark : -1;
    }

    /** A high watermark heard from the leader (or this replica's, as leader). */
    void noteLeaderHighWatermark(long hw) {
        if (hw > leaderHighWatermark) {
            leaderHighWatermark = hw;
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
        if (id == null || id.endOffset() == 0) {
            // None, or the bootstrap checkpoint of a dynamic quorum: voters only, nothing for the listeners.
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
        ByteBuf bytes = SnapshotCodec.encode(alloc, snapshot, serde, now(),
            voterHistory.dynamic() ? voterHistory.at(id.endOffset() - 1) : null);
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

    CompletableFuture<Message> onRequest(int fromId, Message request, short version) {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        unanswered.put(answer, request);
        answer.whenComplete((m, e) -> unanswered.remove(answer));
        if (closing) {
            // close() may already have swept: answer here, since the executor may drop the task.
            answer.complete(Responses.error(request, ErrorCode.BROKER_NOT_AVAILABLE));
        }
        executor.execute(() -> {
            if (answer.isDone()) {
                return;
            }
            try {
                if (isStopped() || state == null) {
                    answer.complete(Responses.error(request, ErrorCode.BROKER_NOT_AVAILABLE));
                } else if (isOtherCluster(RaftMessages.clusterId(request))) {
                    answer.complete(Responses.error(request, ErrorCode.INCONSISTENT_CLUSTER_ID));
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
                } else if (request instanceof UpdateRaftVoterRequest r) {
                    handleUpdateRaftVoter(r, answer);
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
        if (config.endpoints().isEmpty()) {
            return answer;
        }
        return answer.thenApply(this::withLeaderEndpoint);
    }

    /** UpdateRaftVoter from a voter (KIP-853): the leader records its endpoints; answered once committed. */
    private void handleUpdateRaftVoter(UpdateRaftVoterRequest req, CompletableFuture<Message> answer) {
        int epoch = state.epoch();
        ErrorCode error = req.currentLeaderEpoch() < epoch ? ErrorCode.FENCED_LEADER_EPOCH
            : req.currentLeaderEpoch() > epoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : null;
        if (error != null) {
            answer.complete(updateRaftVoterResponse(error));
            return;
        }
        updateVoter(req.clusterId(), RaftMessages.voter(req)).whenComplete((v, e) -> executor.execute(() -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
            answer.complete(updateRaftVoterResponse(cause == null ? ErrorCode.NONE
                : cause instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR));
        }));
    }

    private UpdateRaftVoterResponse updateRaftVoterResponse(ErrorCode error) {
        LeaderAndEpoch l = leader;
        UpdateRaftVoterResponse.CurrentLeader current = new UpdateRaftVoterResponse.CurrentLeader()
            .setLeaderId(l.leaderId()).setLeaderEpoch(l.epoch());
        if (l.isLeader(nodeId) && !config.endpoints().isEmpty()) {
            current.setHost(config.endpoints().get(0).host()).setPort(config.endpoints().get(0).port());
        }
        return new UpdateRaftVoterResponse().setErrorCode(error.code()).setCurrentLeader(current);
    }

    /**
     * A follower that is a voter and finds other endpoints (or another kraft.version range) for itself in the voter
     * set than its own sends UpdateRaftVoter to the leader: once while it follows that leader, again after a
     * backoff when it fails (KIP-853).
     */
    void updateOwnEndpoints(FollowerState f) {
        if (f.updatingVoter || kraftVersion == 0 || config.endpoints().isEmpty()) {
            return;
        }
        VoterSet.Voter known = voters.voter(nodeId);
        if (known == null || !known.key().matches(config.key()) || (known.endpoints().equals(config.endpoints())
                && known.maxKraftVersion() >= 1)) {
            return;
        }
        f.updatingVoter = true;
        VoterSet.Voter self = VoterSet.Voter.of(known.key(), config.endpoints());
        send(f.leaderId(), RaftMessages.updateRaftVoterRequest(f.epoch(), self),
            RaftMessages.UPDATE_RAFT_VOTER_VERSION, UpdateRaftVoterResponse.class, (resp, err) -> {
                if (state != f) {
                    return;
                }
                if (err != null || resp.errorCode() != ErrorCode.NONE.code()) {
                    later(config.retryBackoffMs() * 10, f, () -> f.updatingVoter = false);
                }
            });
    }

    private boolean isOtherCluster(String clusterId) {
        return clusterId != null && config.clusterId() != null && !clusterId.equals(config.clusterId());
    }

    /** A fetch answer of this leader names where it listens (KIP-853's NodeEndpoints), for observers that ask. */
    private Message withLeaderEndpoint(Message response) {
        if (response instanceof FetchResponse f && !f.responses().isEmpty()
                && !f.responses().get(0).partitions().isEmpty()) {
            int leaderId = f.responses().get(0).partitions().get(0).currentLeader().leaderId();
            // The leader's endpoint, so that a replica that asked elsewhere (a bootstrap server that does not lead)
            // can reach the leader it is told of: its own when it leads, else the voter set's.
            VoterSet.Voter known = leaderId == nodeId || leaderId < 0 ? null : voters.voter(leaderId);
            VoterSet.Endpoint e = leaderId == nodeId ? config.endpoints().get(0)
                : known != null && !known.endpoints().isEmpty() ? known.endpoints().get(0) : null;
            if (e != null) {
                f.setNodeEndpoints(List.of(new FetchResponse.NodeEndpoint().setNodeId(leaderId).setHost(e.host())
                    .setPort(e.port())));
            }
        }
        return response;
    }

    /** Sends {@code request} to {@code to}; {@code handler} gets the answer (or the failure) on the executor. */
    <R extends Message> void send(int to, Message request, short version, Class<R> type, ResponseHandler<R> handler) {
        sendVia(channel.send(to, RaftMessages.stamp(request, config), version), to, type, handler);
    }

    /** Sends {@code request} to a bootstrap server ({@code host:port}); like {@link #send}. */
    <R extends Message> void sendToBootstrap(String server, Message request, short version, Class<R> type,
                                             ResponseHandler<R> handler) {
        sendVia(channel.sendToBootstrap(server, RaftMessages.stamp(request, config), version), server, type, handler);
    }

    private <R extends Message> void sendVia(CompletableFuture<Message> sent, Object to, Class<R> type,
                                             ResponseHandler<R> handler) {
        sent.whenComplete((response, error) -> executor.execute(() -> {
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

    /** See {@link RaftClient#formatVoters}. */
    static void formatVoters(RaftLog log, VoterSet voters) throws IOException {
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("A quorum needs at least one voter");
        }
        if (log.endOffset() != 0 || !log.snapshots().isEmpty()) {
            throw new IllegalStateException("Only an empty log can be formatted; this one ends at " + log.endOffset()
                + " and has snapshots " + log.snapshots());
        }
        SnapshotId id = new SnapshotId(0, 0);
        ByteBuf bytes = SnapshotCodec.encode(UnpooledByteBufAllocator.DEFAULT, new Snapshot<Object>(id, 0L, List.of()),
            null, 0L, voters);
        try {
            log.writeSnapshot(id, bytes);
        } finally {
            bytes.release();
        }
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
        failPendingChange(new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log failed", cause));
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
