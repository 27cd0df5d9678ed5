package io.samsa.server.handler.data;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ProduceResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Produce v10+ (KIP-951): fills, for every partition that failed with NOT_LEADER_OR_FOLLOWER, the tagged
 * {@code current_leader} (leader id and epoch from the metadata image; -1/-1 when unknown) and adds the endpoint of
 * each such leader on the request's listener to the response's {@code node_endpoints}, so the client can redirect
 * without a metadata round trip. Partitions with other errors keep the defaults. Stateless.
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
                PartitionRegistration reg = topic == null ? null : topic.partition(p.index());
                if (reg == null || reg.leader() == PartitionRegistration.NO_LEADER) {
                    continue;
                }
                p.setCurrentLeader(new ProduceResponse.LeaderIdAndEpoch().setLeaderId(reg.leader())
                        .setLeaderEpoch(reg.leaderEpoch()));
                if (!leaders.contains(reg.leader())) {
                    leaders.add(reg.leader());
                }
            }
        }
        for (int id : leaders) {
            BrokerRegistration b = image.broker(id);
            Endpoint e = b == null ? null : b.listener(listenerName);
            if (e != null) {
                response.nodeEndpoints().add(new ProduceResponse.NodeEndpoint().setNodeId(id).setHost(e.host())
                        .setPort(e.port()).setRack(b.rack()));
            }
        }
    }
}
