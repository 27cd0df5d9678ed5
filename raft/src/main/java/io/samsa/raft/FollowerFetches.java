package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.samsa.log.EpochEndOffset;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The follower's side of replication (KIP-595, KIP-630), for voters and observers: one fetch at a time to the
 * leader, from the end of the log once that is on disk (so the offset the leader counts is durable here), with the
 * epoch of the last batch. The answer's records are appended; a diverging epoch truncates the log to where it
 * agrees with the leader's (never below the high watermark); a snapshot id starts a download with FetchSnapshot,
 * after which the log restarts at the snapshot's end. The high watermark follows the leader's, capped by the log
 * end. A voter whose fetches have not succeeded within the fetch timeout starts a pre-vote; an observer goes back
 * to looking for the leader, by fetching from the voters in turn until one names it.
 *
 * <p>Not thread-safe: the replica's executor.
 */
final class FollowerFetches<T> {
    private static final Logger log = LoggerFactory.getLogger(FollowerFetches.class);

    private final RaftReplica<T> r;
    private final RaftConfig config;
    private int nextVoter;

    FollowerFetches(RaftReplica<T> replica) {
        this.r = replica;
        this.config = replica.config;
    }

    void startFollowing(FollowerState f) {
        armFetchTimeout(f);
        fetch(f);
    }

    private void armFetchTimeout(FollowerState f) {
        long due = f.fetchTimeoutDueMs(config.fetchTimeoutMs()) - r.now();
        r.armTimer(Math.max(0, due), () -> {
            if (r.now() < f.fetchTimeoutDueMs(config.fetchTimeoutMs())) {
                armFetchTimeout(f);
            } else if (r.mayStandForElection()) {
                log.info("{}No answer from leader {} within {} ms", r.prefix, f.leaderId(), config.fetchTimeoutMs());
                r.elections.electionTimeout();
            } else {
                r.transition(new UnattachedState(f.epoch(), f.votedId()));
            }
        });
    }

    /**
     * Whether {@code err} says the connection to the leader failed or closed (not that it was slow): its process has
     * most likely died, since the kernel closes a dead process's connections.
     */
    static boolean connectionLost(Throwable err) {
        Throwable e = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
            ? err.getCause() : err;
        return e instanceof SamsaException s && (s.errorCode() == ErrorCode.NETWORK_EXCEPTION
            || s.errorCode() == ErrorCode.BROKER_NOT_AVAILABLE);
    }

    /**
     * The connection to the leader failed: rather than wait out the fetch timeout, this replica stops counting the
     * leader as live (so that it grants other voters' pre-votes, KIP-996) and starts its own pre-vote after a random
     * backoff (so that the surviving voters do not all stand at once); an observer looks for the leader again. If the
     * leader answers before then, nothing changes: a pre-vote never disturbs a live leader. Fetching goes on meanwhile.
     */
    private void leaderUnreachable(FollowerState f) {
        if (!f.leaderUnreachable()) {
            return;
        }
        long delay = (long) (r.random.nextDouble() * config.electionBackoffMaxMs());
        log.info("{}Lost the connection to leader {}: standing for election in {} ms unless it answers", r.prefix,
            f.leaderId(), delay);
        r.armTimer(delay, () -> {
            if (f.hasLiveLeader(r.now(), config.fetchTimeoutMs())) {
                armFetchTimeout(f);
            } else if (r.mayStandForElection()) {
                r.elections.electionTimeout();
            } else {
                r.transition(new UnattachedState(f.epoch(), f.votedId()));
            }
        });
    }

    /** Sends the next fetch (or snapshot chunk request) unless one is on its way. */
    void fetch(FollowerState f) {
        if (r.state() != f || f.fetching || r.isStopped()) {
            return;
        }
        f.fetching = true;
        SnapshotDownload d = f.download;
        if (d != null) {
            r.send(f.leaderId(), RaftMessages.fetchSnapshotRequest(r.nodeId, f.epoch(), d.id(), d.position(),
                    config.maxFetchBytes()), RaftMessages.FETCH_SNAPSHOT_VERSION, FetchSnapshotResponse.class,
                (resp, err) -> onSnapshotChunk(f, d, resp, err));
            return;
        }
        long offset = r.raftLog.endOffset();
        if (r.durableEnd() < offset) {
            // The offset a fetch names counts for the leader: it must be on disk here. An append of an earlier
            // state (or of this replica as leader) is still being forced: ask again shortly.
            retry(f);
            return;
        }
        FetchRequest req = RaftMessages.fetchRequest(r.nodeId, f.epoch(), offset, r.lastEpoch(),
            config.fetchMaxWaitMs(), config.maxFetchBytes());
        r.send(f.leaderId(), req, RaftMessages.FETCH_VERSION, FetchResponse.class,
            (resp, err) -> onFetchResponse(f, offset, resp, err));
    }

    private void retry(FollowerState f) {
        f.fetching = false;
        r.later(config.retryBackoffMs(), f, () -> fetch(f));
    }

    private void onFetchResponse(FollowerState f, long offset, FetchResponse resp, Throwable err) {
        if (r.state() != f) {
            return;
        }
        if (err != null && connectionLost(err)) {
            leaderUnreachable(f);
            retry(f);
            return;
        }
        if (err != null || resp.errorCode() != ErrorCode.NONE.code()) {
            retry(f);
            return;
        }
        FetchResponse.PartitionData p;
        try {
            p = RaftMessages.partition(resp);
        } catch (RuntimeException e) {
            retry(f);
            return;
        }
        if (p.errorCode() != ErrorCode.NONE.code()) {
            if (!r.learn(p.currentLeader().leaderId(), p.currentLeader().leaderEpoch())) {
                retry(f);
            }
            return;
        }
        f.heardFromLeader(r.now());
        f.fetching = false;
        r.noteLeaderHighWatermark(p.highWatermark());
        r.updateOwnEndpoints(f);
        if (p.divergingEpoch().endOffset() >= 0) {
            diverged(f, p.divergingEpoch().epoch(), p.divergingEpoch().endOffset());
            return;
        }
        if (p.snapshotId().endOffset() >= 0) {
            SnapshotId id = new SnapshotId(p.snapshotId().endOffset(), p.snapshotId().epoch());
            log.info("{}The leader's log starts after offset {}: fetching snapshot {}", r.prefix, offset,
                id.fileName());
            f.download = new SnapshotDownload(id);
            fetch(f);
            return;
        }
        Records records = p.records();
        if (records == null || records.sizeInBytes() == 0 || r.raftLog.endOffset() != offset) {
            r.advanceHighWatermark(Math.min(p.highWatermark(), r.raftLog.endOffset()));
            fetch(f);
            return;
        }
        if (!(records instanceof ByteBufRecords bytes)) {
            throw new IllegalStateException("Records of type " + records.getClass().getName());
        }
        RaftLog.Appended a;
        ByteBuf appended = bytes.buffer().duplicate();
        try {
            a = r.raftLog.appendAsFollower(bytes.buffer());
        } catch (SamsaException e) {
            if (e.errorCode() == ErrorCode.KAFKA_STORAGE_ERROR) {
                r.fail(e);
            } else {
                log.warn("{}Refused the records the leader sent from offset {}: {}", r.prefix, offset,
                    e.getMessage());
                retry(f);
            }
            return;
        }
        if (r.noteVoters(appended)) {
            log.info("{}The voter set is now {} (from the leader's log)", r.prefix, r.voters());
        }
        // The next fetch waits for the force: the offset it names is then on disk here, and counts for the leader.
        f.fetching = true;
        long end = a.lastOffset() + 1;
        long generation = r.truncations();
        long leaderHw = p.highWatermark();
        a.durable().whenComplete((v, e) -> r.executor.execute(() -> {
            if (r.isStopped()) {
                return;
            }
            if (e != null) {
                r.fail(e);
                return;
            }
            r.durableUpTo(end, generation);
            if (r.state() == f) {
                f.fetching = false;
                r.advanceHighWatermark(Math.min(leaderHw, r.raftLog.endOffset()));
                fetch(f);
            }
        }));
    }

    /** The leader's log diverges from this one after ({@code epoch}, {@code endOffset}): cut where they agree. */
    private void diverged(FollowerState f, int epoch, long endOffset) {
        EpochEndOffset local = r.raftLog.endOffsetForEpoch(epoch);
        long to = local.leaderEpoch() < 0 ? endOffset : Math.min(endOffset, local.endOffset());
        to = Math.min(to, r.raftLog.endOffset());
        if (to < r.raftLog.startOffset()) {
            throw new IllegalStateException("The leader's log diverges at " + to + ", below this log's start "
                + r.raftLog.startOffset());
        }
        log.info("{}The log diverges from leader {}'s after epoch {} at {}: truncating from {} to {}", r.prefix,
            f.leaderId(), epoch, endOffset, r.raftLog.endOffset(), to);
        r.truncateTo(to);
        fetch(f);
    }

    // ---------------------------------------------------------------- FetchSnapshot

    private void onSnapshotChunk(FollowerState f, SnapshotDownload d, FetchSnapshotResponse resp, Throwable err) {
        if (r.state() != f || f.download != d) {
            return;
        }
        if (err != null || resp.errorCode() != ErrorCode.NONE.code()) {
            retry(f);
            return;
        }
        FetchSnapshotResponse.PartitionSnapshot p;
        try {
            p = RaftMessages.partition(resp);
        } catch (RuntimeException e) {
            retry(f);
            return;
        }
        if (p.errorCode() != ErrorCode.NONE.code()) {
            if (!r.learn(p.currentLeader().leaderId(), p.currentLeader().leaderEpoch())) {
                // The leader no longer has it (a newer snapshot replaced it): fetch again to learn which it has.
                f.download = null;
                retry(f);
            }
            return;
        }
        f.heardFromLeader(r.now());
        f.fetching = false;
        if (p.snapshotId().endOffset() != d.id().endOffset() || p.snapshotId().epoch() != d.id().epoch()
                || p.position() != d.position() || !(p.unalignedRecords() instanceof ByteBufRecords chunk)) {
            f.download = null;
            retry(f);
            return;
        }
        if (d.add(p.size(), chunk.buffer())) {
            install(f, d);
        }
        fetch(f);
    }

    /** The whole snapshot arrived: check it, write it, restart the log at its end, tell the listeners. */
    private void install(FollowerState f, SnapshotDownload d) {
        f.download = null;
        SnapshotId id = d.id();
        ByteBuf bytes = d.bytes();
        Snapshot<T> snapshot;
        VoterSet[] voters = new VoterSet[1];
        try {
            snapshot = SnapshotCodec.decode(id, bytes, r.serde, r.alloc, v -> voters[0] = v);
        } catch (DecodeException e) {
            log.warn("{}The snapshot {} from the leader is not readable ({}); fetching it again", r.prefix,
                id.fileName(), e.getMessage());
            return;
        }
        try {
            r.raftLog.writeSnapshot(id, bytes);
            r.installed(id, snapshot);
            r.restartLogAt(id.endOffset(), voters[0]);
            r.trim();
        } catch (IOException | RuntimeException e) {
            r.fail(e);
            return;
        }
        log.info("{}Loaded snapshot {} from leader {}", r.prefix, id.fileName(), f.leaderId());
        r.advanceHighWatermark(id.endOffset());
        r.deliver();
    }

    // ---------------------------------------------------------------- observers looking for the leader

    /**
     * A replica without a leader that does not vote asks who leads: the bootstrap servers in turn when it has them
     * ({@code controller.quorum.bootstrap.servers}, KIP-853), else the voters in turn; the first that knows the
     * leader names it (with its endpoints). A replica that became a voter meanwhile waits for an election instead.
     */
    void discoverLeader(UnattachedState u) {
        if (r.mayStandForElection()) {
            r.armTimer(r.elections.electionTimeoutMs(), r.elections::electionTimeout);
            return;
        }
        r.armTimer(Math.max(config.retryBackoffMs(), config.electionTimeoutMs() / 4), () -> discoverLeader(u));
        FetchRequest req = RaftMessages.fetchRequest(r.nodeId, -1, r.raftLog.endOffset(), r.lastEpoch(), 0,
            config.maxFetchBytes());
        RaftReplica.ResponseHandler<FetchResponse> onAnswer = (resp, err) -> {
            if (err == null && resp.errorCode() == ErrorCode.NONE.code() && !resp.responses().isEmpty()
                    && !resp.responses().get(0).partitions().isEmpty()) {
                FetchResponse.PartitionData p = resp.responses().get(0).partitions().get(0);
                r.learnEndpoints(resp);
                r.learn(p.currentLeader().leaderId(), p.currentLeader().leaderEpoch());
            }
        };
        List<String> bootstrap = config.bootstrapServers();
        if (!bootstrap.isEmpty()) {
            String server = bootstrap.get(Math.floorMod(nextVoter++, bootstrap.size()));
            r.sendToBootstrap(server, req, RaftMessages.FETCH_VERSION, FetchResponse.class, onAnswer);
            return;
        }
        List<Integer> voters = new ArrayList<>(r.voters().ids());
        voters.remove((Integer) r.nodeId);
        if (voters.isEmpty()) {
            return;
        }
        int voter = voters.get(Math.floorMod(nextVoter++, voters.size()));
        r.send(voter, req, RaftMessages.FETCH_VERSION, FetchResponse.class, onAnswer);
    }
}
