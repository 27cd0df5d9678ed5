package io.samsa.server.handler.controller;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.QuorumInfo;
import io.samsa.raft.RaftClient;
import io.samsa.raft.VoterSet;
import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeQuorumRequest;
import io.samsa.wire.message.DescribeQuorumResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DescribeQuorum (key 55, v0-2, KIP-595, KIP-836, KIP-853) from the local replica of the metadata log
 * ({@code kafka-metadata-quorum.sh describe --status/--replication}): the leader, its epoch and high watermark, each
 * voter's and observer's log end offset and last fetch and caught-up times as the leader knows them
 * ({@link RaftClient#describeQuorum}); v2 adds the voters' controller endpoints. A node that does not lead answers
 * {@code NOT_LEADER_OR_FOLLOWER} for the partition, with the leader it knows, as Kafka does. Runs on the connection's
 * event loop; the answer is sent from the replica's thread.
 */
public final class DescribeQuorumHandler implements ApiHandler {
    static final String METADATA_TOPIC = "__cluster_metadata";

    private final RaftClient<?> raft;
    private final Supplier<Map<Integer, QuorumVoter>> voters;
    private final String listenerName;

    /** @param voters the voters with the endpoint of their (first) controller listener, this node's included */
    public DescribeQuorumHandler(RaftClient<?> raft, Supplier<Map<Integer, QuorumVoter>> voters,
                                 String listenerName) {
        this.raft = raft;
        this.voters = voters;
        this.listenerName = listenerName;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeQuorumRequest req = (DescribeQuorumRequest) request;
        raft.describeQuorum().whenComplete((info, e) -> {
            ErrorCode failure = e == null ? ErrorCode.NONE : ApiError.of(e, ctx.logPrefix()).code();
            sink.send(response(req, ctx.apiVersion(), info, failure));
        });
    }

    private DescribeQuorumResponse response(DescribeQuorumRequest req, short version, QuorumInfo info,
                                            ErrorCode failure) {
        List<DescribeQuorumResponse.TopicData> topics = new ArrayList<>();
        for (DescribeQuorumRequest.TopicData t : req.topics()) {
            List<DescribeQuorumResponse.PartitionData> partitions = new ArrayList<>();
            for (DescribeQuorumRequest.PartitionData p : t.partitions()) {
                partitions.add(partition(t.topicName(), p.partitionIndex(), info, failure));
            }
            topics.add(new DescribeQuorumResponse.TopicData().setTopicName(t.topicName()).setPartitions(partitions));
        }
        DescribeQuorumResponse resp = new DescribeQuorumResponse().setErrorCode(ErrorCode.NONE.code())
                .setTopics(topics);
        if (version >= 2) {
            List<DescribeQuorumResponse.Node> nodes = new ArrayList<>();
            boolean dynamic = info != null && info.voterSet().voters().stream().anyMatch(v -> !v.endpoints().isEmpty());
            if (dynamic) {
                // A dynamic quorum (KIP-853): the voters and their endpoints as the voter set in the log names them.
                for (VoterSet.Voter v : info.voterSet().voters()) {
                    List<DescribeQuorumResponse.Listener> listeners = new ArrayList<>();
                    for (VoterSet.Endpoint e : v.endpoints()) {
                        listeners.add(new DescribeQuorumResponse.Listener().setName(e.listener()).setHost(e.host())
                                .setPort(e.port()));
                    }
                    nodes.add(new DescribeQuorumResponse.Node().setNodeId(v.id()).setListeners(listeners));
                }
            }
            for (QuorumVoter v : dynamic ? List.<QuorumVoter>of() : voters.get().values()) {
                nodes.add(new DescribeQuorumResponse.Node().setNodeId(v.id()).setListeners(List.of(
                        new DescribeQuorumResponse.Listener().setName(listenerName).setHost(v.host())
                                .setPort(v.port()))));
            }
            resp.setNodes(nodes);
        }
        return resp;
    }

    private DescribeQuorumResponse.PartitionData partition(String topic, int index, QuorumInfo info,
                                                                  ErrorCode failure) {
        DescribeQuorumResponse.PartitionData p = new DescribeQuorumResponse.PartitionData().setPartitionIndex(index);
        if (!METADATA_TOPIC.equals(topic) || index != 0) {
            return p.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (info == null) {
            LeaderAndEpoch leader = raft.leaderAndEpoch();
            return p.setErrorCode((failure == ErrorCode.NONE ? ErrorCode.NOT_LEADER_OR_FOLLOWER : failure).code())
                    .setLeaderId(leader.leaderId()).setLeaderEpoch(leader.epoch());
        }
        return p.setErrorCode(ErrorCode.NONE.code()).setLeaderId(info.leaderId()).setLeaderEpoch(info.leaderEpoch())
                .setHighWatermark(info.highWatermark()).setCurrentVoters(states(info.voters()))
                .setObservers(states(info.observers()));
    }

    private static List<DescribeQuorumResponse.ReplicaState> states(List<QuorumInfo.ReplicaState> replicas) {
        List<DescribeQuorumResponse.ReplicaState> out = new ArrayList<>();
        for (QuorumInfo.ReplicaState r : replicas) {
            out.add(new DescribeQuorumResponse.ReplicaState().setReplicaId(r.replicaId())
                    .setReplicaDirectoryId(r.directoryId()).setLogEndOffset(r.logEndOffset())
                    .setLastFetchTimestamp(r.lastFetchTimestamp()).setLastCaughtUpTimestamp(r.lastCaughtUpTimestamp()));
        }
        return out;
    }
}
