package io.samsa.server.handler.data;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.ProduceResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * KIP-951: tells a client the new leader in the error response itself, so that it can redirect without a metadata
 * round trip. Produce v10+: every partition that failed with NOT_LEADER_OR_FOLLOWER gets the tagged
 * {@code current_leader}; Fetch v16+: every partition that failed with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH
 * (as Kafka's). The leader id and epoch come from the metadata image (-1/-1 when unknown), and the endpoint of each
 * such leader on the request's listener goes into the response's {@code node_endpoints}. Partitions with other
 * errors keep the defaults. Stateless.
 */
final class CurrentLeaders {
    private CurrentLeaders() {
    }

    /** Fills {@code response} (written at {@code version}, 10+) from {@code image}. */
    static void fill(ProduceResponse response, MetadataImage image, String listenerName, short version) {
        List<Integer> leaders = new ArrayList<>();
        for (ProduceResponse.TopicProduceResponse t : response.responses()) {
            // v13+ (KIP-516) names topics by id.
            TopicImage topic = version >= 13 ? image.topic(t.topicId()) : image.topic(t.name());
            for (ProduceResponse.PartitionProduceResponse p : t.partitionResponses()) {
                if (p.errorCode() != ErrorCode.NOT_LEADER_OR_FOLLOWER.code()) {
                    continue;
                }
                PartitionRegistration reg = leaderOf(topic, p.index(), leaders);
                if (reg != null) {
                    p.setCurrentLeader(new ProduceResponse.LeaderIdAndEpoch().setLeaderId(reg.leader())
                            .setLeaderEpoch(reg.leaderEpoch()));
                }
            }
        }
        for (int id : leaders) {
            Endpoint e = endpoint(image, id, listenerName);
            if (e != null) {
                response.nodeEndpoints().add(new ProduceResponse.NodeEndpoint().setNodeId(id).setHost(e.host())
                        .setPort(e.port()).setRack(image.broker(id).rack()));
            }
        }
    }

    /** Fills {@code response} (written at {@code version}, 16+) from {@code image}. */
    static void fill(FetchResponse response, MetadataImage image, String listenerName, short version) {
        List<Integer> leaders = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse t : response.responses()) {
            TopicImage topic = version >= 13 ? image.topic(t.topicId()) : image.topic(t.topic());
            for (FetchResponse.PartitionData p : t.partitions()) {
                if (p.errorCode() != ErrorCode.NOT_LEADER_OR_FOLLOWER.code()
                        && p.errorCode() != ErrorCode.FENCED_LEADER_EPOCH.code()) {
                    continue;
                }
                PartitionRegistration reg = leaderOf(topic, p.partitionIndex(), leaders);
                if (reg != null) {
                    p.setCurrentLeader(new FetchResponse.LeaderIdAndEpoch().setLeaderId(reg.leader())
                            .setLeaderEpoch(reg.leaderEpoch()));
                }
            }
        }
        for (int id : leaders) {
            Endpoint e = endpoint(image, id, listenerName);
            if (e != null) {
                response.nodeEndpoints().add(new FetchResponse.NodeEndpoint().setNodeId(id).setHost(e.host())
                        .setPort(e.port()).setRack(image.broker(id).rack()));
            }
        }
    }

    /** The partition's registration when it has a leader (added to {@code leaders} once), else null. */
    private static PartitionRegistration leaderOf(TopicImage topic, int index, List<Integer> leaders) {
        PartitionRegistration reg = topic == null ? null : topic.partition(index);
        if (reg == null || reg.leader() == PartitionRegistration.NO_LEADER) {
            return null;
        }
        if (!leaders.contains(reg.leader())) {
            leaders.add(reg.leader());
        }
        return reg;
    }

    private static Endpoint endpoint(MetadataImage image, int id, String listenerName) {
        BrokerRegistration b = image.broker(id);
        return b == null ? null : b.listener(listenerName);
    }
}
