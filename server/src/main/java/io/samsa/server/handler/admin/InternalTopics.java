package io.samsa.server.handler.admin;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.TopicNames;
import io.samsa.server.config.BrokerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the broker creates Kafka's internal topics when a client asks for one that does not exist yet
 * (Metadata auto-creation; the group and transaction coordinators may use the same requests):
 * {@code __consumer_offsets} with {@code offsets.topic.*} and {@code __transaction_state} with
 * {@code transaction.state.log.*}, both compacted. The replication factor is capped at the number
 * of registered brokers, so a single node works with Kafka's default of 3. Stateless.
 */
public final class InternalTopics {
    private static final int MIN_SEGMENT_BYTES = 1 << 20;

    private InternalTopics() {
    }

    /**
     * The creation request for internal topic {@code name} on a cluster of {@code brokers} registered
     * brokers, or null when {@code name} is not an internal topic.
     */
    public static CreateTopicRequest creationRequest(String name, BrokerConfig config, int brokers) {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", "compact");
        int partitions;
        int replication;
        if (TopicNames.CONSUMER_OFFSETS.equals(name)) {
            partitions = config.getInt(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS);
            replication = cap(config.getInt(BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR), brokers);
            configs.put("compression.type", "producer");
            configs.put("segment.bytes", Integer.toString(Math.max(MIN_SEGMENT_BYTES,
                    config.getInt(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES))));
        } else if (TopicNames.TRANSACTION_STATE.equals(name)) {
            partitions = config.getInt("transaction.state.log.num.partitions");
            replication = cap(config.getInt("transaction.state.log.replication.factor"), brokers);
            configs.put("compression.type", "uncompressed");
            configs.put("min.insync.replicas", Integer.toString(Math.min(replication,
                    config.getInt("transaction.state.log.min.isr"))));
            String segmentBytes = config.original("transaction.state.log.segment.bytes");
            configs.put("segment.bytes", segmentBytes != null ? segmentBytes.trim() : "104857600");
        } else {
            return null;
        }
        return new CreateTopicRequest(name, partitions, replication, Map.of(), configs);
    }

    private static int cap(int replication, int brokers) {
        return Math.max(1, Math.min(replication, brokers));
    }
}
