package io.samsa.raft;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.BeginQuorumEpochRequest;
import io.samsa.wire.message.BeginQuorumEpochResponse;
import io.samsa.wire.message.EndQuorumEpochRequest;
import io.samsa.wire.message.EndQuorumEpochResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.FetchSnapshotResponse;
import io.samsa.wire.message.UpdateRaftVoterRequest;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.message.VoteResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.Records;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * KRaft's requests and responses for the one partition of the metadata log ({@code __cluster_metadata-0}, topic id
 * {@code AAAAAAAAAAAAAAAAAAAAAQ}), built from and read into the generated messages: every request names exactly one
 * topic and partition, and a request that does not is refused with {@code INVALID_REQUEST}. The versions are those
 * Kafka 4 sends between controllers. Stateless.
 */
final class RaftMessages {
    static final String TOPIC = "__cluster_metadata";
    /** The metadata topic's fixed id in KRaft. */
    static final UUID TOPIC_ID = new UUID(0L, 1L);
    static final int PARTITION = 0;

    /** v2: PreVote (KIP-996). */
    static final short VOTE_VERSION = 2;
    /** v1: flexible, voter directory ids, leader endpoints (KIP-853). */
    static final short BEGIN_QUORUM_EPOCH_VERSION = 1;
    /** v1: preferred candidates with directory ids (KIP-853). */
    static final short END_QUORUM_EPOCH_VERSION = 1;
    /** v17: the replica state and directory id (KIP-903, KIP-853), the topic by id. */
    static final short FETCH_VERSION = 17;
    /** v1: the replica directory id (KIP-853). */
    static final short FETCH_SNAPSHOT_VERSION = 1;
    /** v0 (KIP-853): a voter's endpoints and supported kraft.version, sent to the leader. */
    static final short UPDATE_RAFT_VOTER_VERSION = 0;

    private RaftMessages() {
    }

    /** The cluster id a request carries (null when it carries none). */
    static String clusterId(Message request) {
        if (request instanceof VoteRequest r) {
            return r.clusterId();
        }
        if (request instanceof BeginQuorumEpochRequest r) {
            return r.clusterId();
        }
        if (request instanceof EndQuorumEpochRequest r) {
            return r.clusterId();
        }
        if (request instanceof FetchRequest r) {
            return r.clusterId();
        }
        if (request instanceof FetchSnapshotRequest r) {
            return r.clusterId();
        }
        if (request instanceof UpdateRaftVoterRequest r) {
            return r.clusterId();
        }
        return null;
    }

    /**
     * Puts what every request of this replica carries into {@code request}: the cluster id (when known) and, in a
     * fetch, the replica's directory id (KIP-853). Returns it.
     */
    static Message stamp(Message request, RaftConfig config) {
        String id = config.clusterId();
        if (request instanceof VoteRequest r) {
            r.setClusterId(id);
        } else if (request instanceof BeginQuorumEpochRequest r) {
            r.setClusterId(id);
        } else if (request instanceof EndQuorumEpochRequest r) {
            r.setClusterId(id);
        } else if (request instanceof FetchRequest r) {
            r.setClusterId(id);
            for (FetchRequest.FetchTopic t : r.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    p.setReplicaDirectoryId(config.directoryId());
                }
            }
        } else if (request instanceof UpdateRaftVoterRequest r) {
            r.setClusterId(id);
        } else if (request instanceof FetchSnapshotRequest r) {
            r.setClusterId(id);
            for (FetchSnapshotRequest.TopicSnapshot t : r.topics()) {
                for (FetchSnapshotRequest.PartitionSnapshot p : t.partitions()) {
                    p.setReplicaDirectoryId(config.directoryId());
                }
            }
        }
        return request;
    }

    /** UpdateRaftVoter from {@code voter} (its key, endpoints and kraft.version range) to the leader of {@code epoch}. */
    static UpdateRaftVoterRequest updateRaftVoterRequest(int epoch, VoterSet.Voter voter) {
        List<UpdateRaftVoterRequest.Listener> listeners = new ArrayList<>();
        for (VoterSet.Endpoint e : voter.endpoints()) {
            listeners.add(new UpdateRaftVoterRequest.Listener().setName(e.listener()).setHost(e.host())
                .setPort(e.port()));
        }
        return new UpdateRaftVoterRequest().setCurrentLeaderEpoch(epoch).setVoterId(voter.id())
            .setVoterDirectoryId(voter.key().directoryId()).setListeners(listeners).setKRaftVersionFeature(
                new UpdateRaftVoterRequest.KRaftVersionFeature().setMinSupportedVersion(voter.minKraftVersion())
                    .setMaxSupportedVersion(voter.maxKraftVersion()));
    }

    /** The voter an UpdateRaftVoter describes. */
    static VoterSet.Voter voter(UpdateRaftVoterRequest r) {
        List<VoterSet.Endpoint> endpoints = new ArrayList<>();
        for (UpdateRaftVoterRequest.Listener l : r.listeners()) {
            endpoints.add(new VoterSet.Endpoint(l.name(), l.host(), l.port()));
        }
        return new VoterSet.Voter(new ReplicaKey(r.voterId(), r.voterDirectoryId()), endpoints,
            r.kRaftVersionFeature().minSupportedVersion(), r.kRaftVersionFeature().maxSupportedVersion());
    }

    private static <E> E only(List<E> list, String what) {
        if (list.size() != 1) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Expected one " + what + ", found " + list.size());
        }
        return list.get(0);
    }

    private static void checkTopic(String name) {
        if (!TOPIC.equals(name)) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unknown topic " + name);
        }
    }

    private static void checkPartition(int partition) {
        if (partition != PARTITION) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unknown partition " + partition);
        }
    }

    // ---------------------------------------------------------------- Vote

    static VoteRequest voteRequest(int epoch, int candidateId, int voterId, int lastEpoch, long endOffset,
                                   boolean preVote) {
        return new VoteRequest().setVoterId(voterId).setTopics(List.of(new VoteRequest.TopicData().setTopicName(TOPIC)
            .setPartitions(List.of(new VoteRequest.PartitionData().setPartitionIndex(PARTITION).setReplicaEpoch(epoch)
                .setReplicaId(candidateId).setLastOffsetEpoch(lastEpoch).setLastOffset(endOffset)
                .setPreVote(preVote)))));
    }

    static VoteRequest.PartitionData partition(VoteRequest r) {
        VoteRequest.TopicData t = only(r.topics(), "topic");
        checkTopic(t.topicName());
        VoteRequest.PartitionData p = only(t.partitions(), "partition");
        checkPartition(p.partitionIndex());
        return p;
    }

    static VoteResponse voteResponse(ErrorCode error, LeaderAndEpoch leader, boolean granted) {
        return new VoteResponse().setTopics(List.of(new VoteResponse.TopicData().setTopicName(TOPIC)
            .setPartitions(List.of(new VoteResponse.PartitionData().setPartitionIndex(PARTITION)
                .setErrorCode(error.code()).setLeaderId(leader.leaderId()).setLeaderEpoch(leader.epoch())
                .setVoteGranted(granted)))));
    }

    static VoteResponse voteError(ErrorCode error) {
        return new VoteResponse().setErrorCode(error.code());
    }

    static VoteResponse.PartitionData partition(VoteResponse r) {
        VoteResponse.TopicData t = only(r.topics(), "topic");
        checkTopic(t.topicName());
        return only(t.partitions(), "partition");
    }

    // ---------------------------------------------------------------- BeginQuorumEpoch

    static BeginQuorumEpochRequest beginQuorumEpochRequest(int epoch, int leaderId, int voterId) {
        return new BeginQuorumEpochRequest().setVoterId(voterId).setTopics(List.of(
            new BeginQuorumEpochRequest.TopicData().setTopicName(TOPIC).setPartitions(List.of(
                new BeginQuorumEpochRequest.PartitionData().setPartitionIndex(PARTITION).setLeaderId(leaderId)
                    .setLeaderEpoch(epoch)))));
    }

    static BeginQuorumEpochRequest.PartitionData partition(BeginQuorumEpochRequest r) {
        BeginQuorumEpochRequest.TopicData t = only(r.topics(), "topic");
        checkTopic(t.topicName());
        BeginQuorumEpochRequest.PartitionData p = only(t.partitions(), "partition");
        checkPartition(p.partitionIndex());
        return p;
    }

    static BeginQuorumEpochResponse beginQuorumEpochResponse(ErrorCode error, LeaderAndEpoch leader) {
        return new BeginQuorumEpochResponse().setTopics(List.of(new BeginQuorumEpochResponse.TopicData()
            .setTopicName(TOPIC).setPartitions(List.of(new BeginQuorumEpochResponse.PartitionData()
                .setPartitionIndex(PARTITION).setErrorCode(error.code()).setLeaderId(leader.leaderId())
                .setLeaderEpoch(leader.epoch())))));
    }

    static BeginQuorumEpochResponse.PartitionData partition(BeginQuorumEpochResponse r) {
        BeginQuorumEpochResponse.TopicData t = only(r.topics(), "topic");
        checkTopic(t.topicName());
        return only(t.partitions(), "partition");
    }

    // ---------------------------------------------------------------- EndQuorumEpoch

    static EndQuorumEpochRequest endQuorumEpochRequest(int epoch, int leaderId, List<Integer> successors) {
        List<EndQuorumEpochRequest.ReplicaInfo> candidates = new ArrayList<>();
        for (int id : successors) {
            candidates.add(new EndQuorumEpochRequest.ReplicaInfo().setCandidateId(id));
        }
        return new EndQuorumEpochRequest().setTopics(List.of(new EndQuorumEpochRequest.TopicData().setTopicName(TOPIC)
            .setPartitions(List.of(new EndQuorumEpochRequest.PartitionData().setPartitionIndex(PARTITION)
                .setLeaderId(leaderId).setLeaderEpoch(epoch).setPreferredSuccessors(List.copyOf(successors))
                .setPreferredCandidates(candidates)))));
    }

    static EndQuorumEpochRequest.PartitionData partition(EndQuorumEpochRequest r) {
        EndQuorumEpochRequest.TopicData t = only(r.topics(), "topic");
        checkTopic(t.topicName());
        EndQuorumEpochRequest.PartitionData p = only(t.partitions(), "partition");
        checkPartition(p.partitionIndex());
        return p;
    }

    /** The preferred successors of an EndQuorumEpoch: v1+ candidates, or v0's list. */
    static List<Integer> successors(EndQuorumEpochRequest.PartitionData p) {
        if (!p.preferredCandidates().isEmpty()) {
            List<Integer> out = new ArrayList<>();
            for (EndQuorumEpochRequest.ReplicaInfo c : p.preferredCandidates()) {
                out.add(c.candidateId());
            }
            return out;
        }
        return p.preferredSuccessors();
    }

    static EndQuorumEpochResponse endQuorumEpochResponse(ErrorCode error, LeaderAndEpoch leader) {
        return new EndQuorumEpochResponse().setTopics(List.of(new EndQuorumEpochResponse.TopicData()
            .setTopicName(TOPIC).setPartitions(List.of(new EndQuorumEpochResponse.PartitionData()
                .setPartitionIndex(PARTITION).setErrorCode(error.code()).setLeaderId(leader.leaderId())
                .setLeaderEpoch(leader.epoch())))));
    }

    // ---------------------------------------------------------------- Fetch

    static FetchRequest fetchRequest(int replicaId, int leaderEpoch, long fetchOffset, int lastFetchedEpoch,
                                     long maxWaitMs, int maxBytes) {
        return new FetchRequest().setReplicaState(new FetchRequest.ReplicaState().setReplicaId(replicaId))
            .setMaxWaitMs((int) maxWaitMs).setMinBytes(0).setMaxBytes(maxBytes).setTopics(List.of(
                new FetchRequest.FetchTopic().setTopic(TOPIC).setTopicId(TOPIC_ID).setPartitions(List.of(
                    new FetchRequest.FetchPartition().setPartition(PARTITION).setCurrentLeaderEpoch(leaderEpoch)
                        .setFetchOffset(fetchOffset).setLastFetchedEpoch(lastFetchedEpoch)
                        .setPartitionMaxBytes(maxBytes)))));
    }

    /** The fetching replica: the replica state's id (v15+), else the old top-level field. */
    static int replicaId(FetchRequest r, short version) {
        return version >= 15 ? r.replicaState().replicaId() : r.replicaId();
    }

    static FetchRequest.FetchPartition partition(FetchRequest r) {
        FetchRequest.FetchTopic t = only(r.topics(), "topic");
        if (!TOPIC_ID.equals(t.topicId()) && !TOPIC.equals(t.topic())) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unknown topic " + t.topic() + " " + t.topicId());
        }
        FetchRequest.FetchPartition p = only(t.partitions(), "partition");
        checkPartition(p.partition());
        return p;
    }

    /** A fetch answer for the metadata partition; the caller sets the partition's fields. */
    static FetchResponse fetchResponse(FetchResponse.PartitionData partition) {
        return new FetchResponse().setResponses(List.of(new FetchResponse.FetchableTopicResponse().setTopic(TOPIC)
            .setTopicId(TOPIC_ID).setPartitions(List.of(partition.setPartitionIndex(PARTITION)))));
    }

    static FetchResponse.PartitionData fetchPartition(ErrorCode error, LeaderAndEpoch leader, long highWatermark,
                                                      long logStartOffset) {
        return new FetchResponse.PartitionData().setErrorCode(error.code()).setHighWatermark(highWatermark)
            .setLogStartOffset(logStartOffset).setCurrentLeader(new FetchResponse.LeaderIdAndEpoch()
                .setLeaderId(leader.leaderId()).setLeaderEpoch(leader.epoch()));
    }

    static FetchResponse.PartitionData partition(FetchResponse r) {
        FetchResponse.FetchableTopicResponse t = only(r.responses(), "topic");
        return only(t.partitions(), "partition");
    }

    // ---------------------------------------------------------------- FetchSnapshot

    static FetchSnapshotRequest fetchSnapshotRequest(int replicaId, int leaderEpoch, SnapshotId id, long position,
                                                     int maxBytes) {
        return new FetchSnapshotRequest().setReplicaId(replicaId).setMaxBytes(maxBytes).setTopics(List.of(
            new FetchSnapshotRequest.TopicSnapshot().setName(TOPIC).setPartitions(List.of(
                new FetchSnapshotRequest.PartitionSnapshot().setPartition(PARTITION).setCurrentLeaderEpoch(leaderEpoch)
                    .setSnapshotId(new FetchSnapshotRequest.SnapshotId().setEndOffset(id.endOffset())
                        .setEpoch(id.epoch())).setPosition(position)))));
    }

    static FetchSnapshotRequest.PartitionSnapshot partition(FetchSnapshotRequest r) {
        FetchSnapshotRequest.TopicSnapshot t = only(r.topics(), "topic");
        checkTopic(t.name());
        FetchSnapshotRequest.PartitionSnapshot p = only(t.partitions(), "partition");
        checkPartition(p.partition());
        return p;
    }

    static FetchSnapshotResponse fetchSnapshotResponse(ErrorCode error, LeaderAndEpoch leader, SnapshotId id,
                                                       long size, long position, Records chunk) {
        FetchSnapshotResponse.PartitionSnapshot p = new FetchSnapshotResponse.PartitionSnapshot().setIndex(PARTITION)
            .setErrorCode(error.code()).setCurrentLeader(new FetchSnapshotResponse.LeaderIdAndEpoch()
                .setLeaderId(leader.leaderId()).setLeaderEpoch(leader.epoch())).setSize(size).setPosition(position)
            .setUnalignedRecords(chunk);
        if (id != null) {
            p.setSnapshotId(new FetchSnapshotResponse.SnapshotId().setEndOffset(id.endOffset()).setEpoch(id.epoch()));
        }
        return new FetchSnapshotResponse().setTopics(List.of(new FetchSnapshotResponse.TopicSnapshot().setName(TOPIC)
            .setPartitions(List.of(p))));
    }

    static FetchSnapshotResponse.PartitionSnapshot partition(FetchSnapshotResponse r) {
        FetchSnapshotResponse.TopicSnapshot t = only(r.topics(), "topic");
        checkTopic(t.name());
        return only(t.partitions(), "partition");
    }
}
