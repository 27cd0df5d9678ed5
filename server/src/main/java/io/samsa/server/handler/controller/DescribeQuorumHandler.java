package io.samsa.server.handler.controller;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeQuorumRequest;
import io.samsa.wire.message.DescribeQuorumResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DescribeQuorum (key 55, v0-2, KIP-595, KIP-853), on the controller listener: the metadata log's leader, epoch and
 * high watermark, and its voters ({@code kafka-metadata-quorum.sh describe --status/--replication}). It is answered
 * from what the {@link RaftClient} interface tells: the leader's own log end is its high watermark, other voters'
 * progress is not known here (-1). v2 adds the voters' controller endpoints. A node that does not lead answers
 * {@code NOT_LEADER_OR_FOLLOWER}, as Kafka does. Runs on the connection's event loop.
 */
public final class DescribeQuorumHandler implements ApiHandler {
    private static final String METADATA_TOPIC = "__cluster_metadata";

    private final int nodeId;
    private final RaftClient<?> raft;
    private final Supplier<Map<Integer, QuorumVoter>> voters;
    private final String listenerName;

    /** @param voters the voters with the endpoint of their (first) controller listener, this node's included */
    public DescribeQuorumHandler(int nodeId, RaftClient<?> raft, Supplier<Map<Integer, QuorumVoter>> voters,
                                 String listenerName) {
        this.nodeId = nodeId;
        this.raft = raft;
        this.voters = voters;
        this.listenerName = listenerName;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeQuorumRequest req = (DescribeQuorumRequest) request;
        List<DescribeQuorumResponse.TopicData> topics = new ArrayList<>();
        for (DescribeQuorumRequest.TopicData t : req.topics()) {
            List<DescribeQuorumResponse.PartitionData> partitions = new ArrayList<>();
            for (DescribeQuorumRequest.PartitionData p : t.partitions()) {
                partitions.add(partition(t.topicName(), p.partitionIndex()));
            }
            topics.add(new DescribeQuorumResponse.TopicData().setTopicName(t.topicName()).setPartitions(partitions));
        }
        DescribeQuorumResponse resp = new DescribeQuorumResponse().setErrorCode(ErrorCode.NONE.code())
                .setTopics(topics);
        if (ctx.apiVersion() >= 2) {
            List<DescribeQuorumResponse.Node> nodes = new ArrayList<>();
            for (QuorumVoter v : voters.get().values()) {
                nodes.add(new DescribeQuorumResponse.Node().setNodeId(v.id()).setListeners(List.of(
                        new DescribeQuorumResponse.Listener().setName(listenerName).setHost(v.host())
                                .setPort(v.port()))));
            }
            resp.setNodes(nodes);
        }
        sink.send(resp);
    }

    private DescribeQuorumResponse.PartitionData partition(String topic, int index) {
        DescribeQuorumResponse.PartitionData p = new DescribeQuorumResponse.PartitionData().setPartitionIndex(index);
        LeaderAndEpoch leader = raft.leaderAndEpoch();
        if (!METADATA_TOPIC.equals(topic) || index != 0) {
            return p.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (!leader.isLeader(nodeId)) {
            return p.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER.code()).setLeaderId(leader.leaderId())
                    .setLeaderEpoch(leader.epoch());
        }
        long hw = raft.highWatermark();
        List<DescribeQuorumResponse.ReplicaState> current = new ArrayList<>();
        for (QuorumVoter v : voters.get().values()) {
            boolean self = v.id() == nodeId;
            current.add(new DescribeQuorumResponse.ReplicaState().setReplicaId(v.id())
                    .setReplicaDirectoryId(ProtocolCodec.ZERO_UUID).setLogEndOffset(self ? hw : -1)
                    .setLastFetchTimestamp(-1).setLastCaughtUpTimestamp(-1));
        }
        return p.setErrorCode(ErrorCode.NONE.code()).setLeaderId(leader.leaderId()).setLeaderEpoch(leader.epoch())
                .setHighWatermark(hw).setCurrentVoters(current).setObservers(List.of());
    }
}
