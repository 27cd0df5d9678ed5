package io.samsa.raft;

import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * A replicated log of records of type {@code T}, in the spirit of KRaft's RaftClient (KIP-595, KIP-630): the
 * leader appends records in its epoch; a record is committed once the quorum has it on disk (the high watermark
 * passes it); every replica tells its listeners about committed batches in offset order, about the snapshot to
 * load, and about leader changes. A snapshot holds the whole state below an offset, after which the log before it
 * may be trimmed.
 *
 * <p>Two implementations: the single voter of a one-node broker ({@link #singleVoter}), always the leader, for
 * which "committed" means "fsynced"; and a replica of a Raft quorum ({@link #quorum}: Vote with pre-vote,
 * BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot over a {@link RaftChannel}), for which it means "on
 * disk on a majority of the voters".
 *
 * <p>Threads: every method is thread-safe. Listeners are called on the log's {@link SerialExecutor}, one call at
 * a time and in order; they must be quick and must not block (hand work over to their own executor).
 */
public interface RaftClient<T> extends AutoCloseable {

    /** Told what the log commits. Every method runs on the log's executor. */
    interface Listener<T> {
        /** Committed batches, each once, in offset order (after the snapshot loaded last, if any). */
        void handleCommit(Batch<T> batch);

        /**
         * The state as of {@code snapshot.id().endOffset()}: it replaces everything known so far; the batches
         * committed after it follow. Called first at registration when the log has a snapshot.
         */
        void handleLoadSnapshot(Snapshot<T> snapshot);

        /** The leader or the epoch changed. Called once at registration, after the committed batches. */
        default void handleLeaderChange(LeaderAndEpoch leader) {
        }

        /**
         * Everything below {@code nextOffset} has been handed over, control batches included (which listeners
         * never see): called after the batches of each delivery that moved the listener's position.
         */
        default void handlePosition(long nextOffset) {
        }
    }

    /**
     * Registers a listener: it gets the latest snapshot (if any), every batch committed after it, the current
     * leader, and from then on every new commit and leader change.
     */
    void register(Listener<T> listener);

    void unregister(Listener<T> listener);

    /** The leader and epoch as this replica knows them now. */
    LeaderAndEpoch leaderAndEpoch();

    /** The high watermark: every offset below it is committed. */
    long highWatermark();

    /**
     * The committed end of the log as this replica last heard it from the leader: the high watermark in the
     * leader's latest fetch response (a follower or an observer), its own once it committed the first record of its
     * epoch (the leader); -1 before it knows. A listener whose position reached it held the whole quorum's state as
     * of that moment: what a broker waits for before it first acts on the metadata (KRaft's loader does the same).
     * Any thread.
     */
    default long leaderHighWatermark() {
        return highWatermark();
    }

    /**
     * Appends {@code records} as one batch (committed together) in {@code epoch}, which must be the current
     * epoch with this replica as leader; returns the offset of the last record. The records belong to the log
     * from now on: nobody may change them. Thread-safe; the caller learns of the commit from its listener.
     *
     * @throws io.samsa.wire.SamsaException {@code NOT_LEADER_OR_FOLLOWER} when this replica does not lead
     *     {@code epoch}, {@code INVALID_REQUEST} when the batch is larger than the log accepts (nothing is
     *     appended), {@code KAFKA_STORAGE_ERROR} after the log failed
     */
    long append(int epoch, List<T> records);

    /**
     * Like {@link #append(int, List)}, with the records computed from the offset their batch starts at:
     * {@code recordsAt} is called once, with that offset, under the lock that assigns offsets, so that nothing (a
     * control record this log writes itself: the LeaderChange record opening an epoch, a VotersRecord) lands between
     * the offset it was given and the batch. It must be quick and return at least one record. The controller computes
     * offsets that records carry (a broker epoch is its registration's offset) this way.
     */
    long append(int epoch, LongFunction<List<T>> recordsAt);

    /**
     * Writes {@code snapshot} (whose end offset must be committed) durably, then deletes older snapshots beyond
     * the retained ones and the log segments that only hold records below the oldest retained snapshot.
     * Completes on the log's executor with the snapshot's id.
     */
    CompletableFuture<SnapshotId> createSnapshot(Snapshot<T> snapshot);

    /** The newest snapshot, or null when there is none. */
    SnapshotId latestSnapshot();

    /**
     * What DescribeQuorum answers, taken on the leader: fails with {@code NOT_LEADER_OR_FOLLOWER} on a replica that
     * does not lead. Completes on the log's executor.
     */
    CompletableFuture<QuorumInfo> describeQuorum();

    // ---------------------------------------------------------------- the voters (KIP-853)

    /**
     * The voter set this replica knows: the newest in its log, committed or not (KIP-853 applies a set as soon as
     * it is in the log), or the static voters ({@code controller.quorum.voters}). What DescribeQuorum names as
     * voters and their endpoints. Any thread.
     */
    default VoterSet voters() {
        return VoterSet.EMPTY;
    }

    /** The quorum's {@code kraft.version}: 0 for static voters, 1 when the voter set lives in the log. */
    default short kraftVersion() {
        return 0;
    }

    /**
     * AddRaftVoter, on the leader: appends a VotersRecord adding {@code voter} and completes once it is committed.
     * Fails (a {@link io.samsa.wire.SamsaException}) with {@code NOT_LEADER_OR_FOLLOWER} off the leader,
     * {@code UNSUPPORTED_VERSION} for a static quorum ({@code kraft.version} 0), {@code INCONSISTENT_CLUSTER_ID}
     * when {@code clusterId} (null: not checked) is another cluster's, {@code DUPLICATE_VOTER} when its id is a voter
     * already, {@code REQUEST_TIMED_OUT} while another change is not committed, the leader has not committed in its
     * epoch yet, or the new voter is not caught up (it must be fetching as an observer, with its directory id,
     * within the fetch timeout, up to the high watermark), and {@code INVALID_REQUEST} without a directory id or
     * endpoints.
     */
    default CompletableFuture<Void> addVoter(String clusterId, VoterSet.Voter voter) {
        return CompletableFuture.failedFuture(new io.samsa.wire.SamsaException(
            io.samsa.wire.ErrorCode.UNSUPPORTED_VERSION, "This log has static voters"));
    }

    /**
     * RemoveRaftVoter, on the leader: appends a VotersRecord without {@code voter} and completes once it is
     * committed (a leader that removed itself then resigns). Fails like {@link #addVoter}, with
     * {@code VOTER_NOT_FOUND} when {@code voter} (id and directory id) is not a voter, and {@code INVALID_REQUEST}
     * when it is the last one.
     */
    default CompletableFuture<Void> removeVoter(String clusterId, ReplicaKey voter) {
        return CompletableFuture.failedFuture(new io.samsa.wire.SamsaException(
            io.samsa.wire.ErrorCode.UNSUPPORTED_VERSION, "This log has static voters"));
    }

    /**
     * UpdateRaftVoter, on the leader: replaces the endpoints and supported {@code kraft.version} range of the voter
     * {@code voter.key()} (id and directory id) with a VotersRecord; completes once it is written (a no-op change
     * completes at once). Fails like {@link #removeVoter}.
     */
    default CompletableFuture<Void> updateVoter(String clusterId, VoterSet.Voter voter) {
        return CompletableFuture.failedFuture(new io.samsa.wire.SamsaException(
            io.samsa.wire.ErrorCode.UNSUPPORTED_VERSION, "This log has static voters"));
    }

    /** Stops: appends fail from now on; the log is closed. Blocks until it is (never call it on an event loop). */
    @Override
    void close();

    /**
     * The single voter over {@code log} (which it then owns): it elects itself in a new epoch (one past every
     * epoch the log has seen, made durable first), and commits a batch once the log has forced it to disk.
     * Records appended while a force runs share the next one (group commit). Opening reads the latest readable
     * snapshot and checks the log against it; blocking file I/O on the caller's thread.
     *
     * @param maxBatchBytes the largest batch {@link #append} accepts
     */
    static <T> RaftClient<T> singleVoter(int nodeId, RaftLog log, RecordSerde<T> serde, SerialExecutor executor,
                                         Clock clock, int maxBatchBytes) throws IOException {
        return SingleVoterRaft.open(nodeId, log, serde, executor, clock, maxBatchBytes);
    }

    /**
     * A replica of a Raft quorum (KIP-595, KIP-996, KIP-630) over {@code log} (which it then owns): a voter when
     * {@code config.voters()} names it, else an observer. It talks to the other replicas through {@code channel}
     * (it sets the channel's inbound handler), runs on {@code executor} with {@code clock}, and draws its random
     * election timeouts from {@code random}. Opening reads the latest readable snapshot and the election state;
     * blocking file I/O on the caller's thread. With {@code config.voters()} only this node it elects itself at
     * once, writing a LeaderChange record first (unlike {@link #singleVoter}, whose log holds only data).
     */
    static <T> RaftClient<T> quorum(RaftConfig config, RaftLog log, RecordSerde<T> serde, RaftChannel channel,
                                    SerialExecutor executor, Clock clock, Random random) throws IOException {
        return RaftReplica.open(config, log, serde, channel, executor, clock, random);
    }

    /**
     * Formats {@code log} as a replica of a dynamic quorum (KIP-853, {@code kraft.version} 1) whose first voters
     * are {@code voters}, as {@code kafka-storage format --standalone} or {@code --initial-controllers} do: writes
     * the bootstrap checkpoint (snapshot {@code 0-0}: a KRaftVersionRecord and a VotersRecord, no data), which
     * listeners never see. The first leader copies the set into the log. A node that joins later is formatted
     * without it and finds the leader through {@code controller.quorum.bootstrap.servers}. The log must be empty.
     */
    static void formatVoters(RaftLog log, VoterSet voters) throws IOException {
        RaftReplica.formatVoters(log, voters);
    }
}
