package io.samsa.server.handler.admin;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.TopicNames;
import io.samsa.server.config.BrokerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the broker creates Kafka's internal topics when a client needs one that does not exist yet (FindCoordinator;
 * Metadata auto-creation): {@code __consumer_offsets} with {@code offsets.topic.*} and {@code __transaction_state}
 * with {@code transaction.state.log.*}, both compacted, applied once, when the topic is created.
 *
 * <p>Replication follows Kafka: the topic gets the configured replication factor and is not created while fewer
 * brokers are live ({@link #shortOfBrokers}: the coordinator is not available until there are). Samsa's one-node
 * mode ({@link BrokerConfig#standalone()}: the README's first command, no quorum configured) takes 1 for
 * {@code offsets.topic.replication.factor}, {@code transaction.state.log.replication.factor} and
 * {@code transaction.state.log.min.isr}, as Kafka's own single-node sample {@code server.properties} sets them (it
 * never has a second broker); any other node takes them as set, else Kafka's defaults (3, 3, 2). Stateless.
 */
public final class InternalTopics {
    private static final Logger log = LoggerFactory.getLogger(InternalTopics.class);
    private static final int MIN_SEGMENT_BYTES = 1 << 20;
    /** The settings already warned about (once per process). */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    static final String TXN_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    static final String TXN_MIN_ISR = "transaction.state.log.min.isr";

    private InternalTopics() {
    }

    /** The creation request for internal topic {@code name}, or null when {@code name} is not an internal topic. */
    public static CreateTopicRequest creationRequest(String name, BrokerConfig config) {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", "compact");
        int partitions;
        int replication;
        if (TopicNames.CONSUMER_OFFSETS.equals(name)) {
            partitions = config.getInt(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS);
            replication = setting(config, BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR);
            configs.put("compression.type", "producer");
            configs.put("segment.bytes", Integer.toString(Math.max(MIN_SEGMENT_BYTES,
                    config.getInt(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES))));
        } else if (TopicNames.TRANSACTION_STATE.equals(name)) {
            partitions = config.getInt("transaction.state.log.num.partitions");
            replication = setting(config, TXN_REPLICATION_FACTOR);
            configs.put("compression.type", "uncompressed");
            // Never above the replication factor: an ISR could never reach it and every write would fail.
            configs.put("min.insync.replicas", Integer.toString(Math.min(replication, setting(config, TXN_MIN_ISR))));
            String segmentBytes = config.original("transaction.state.log.segment.bytes");
            configs.put("segment.bytes", segmentBytes != null ? segmentBytes.trim() : "104857600");
        } else {
            return null;
        }
        return new CreateTopicRequest(name, partitions, replication, Map.of(), configs);
    }

    /**
     * Why {@code request} cannot be placed on {@code liveBrokers} live brokers (fewer than its replication factor,
     * so Kafka does not create it: the coordinator stays unavailable until enough brokers are up), or null.
     */
    public static String shortOfBrokers(CreateTopicRequest request, int liveBrokers) {
        if (request.replicationFactor() <= liveBrokers) {
            return null;
        }
        String key = TopicNames.CONSUMER_OFFSETS.equals(request.name()) ? BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR
                : TXN_REPLICATION_FACTOR;
        return request.name() + " needs " + request.replicationFactor() + " live brokers (" + key + ") but "
                + liveBrokers + " are live";
    }

    /**
     * A replication setting: 1 in the one-node mode, which never has a second broker (a higher setting there, as
     * before, is capped rather than leaving the coordinator unavailable for good); else as set, else Kafka's default.
     */
    static int setting(BrokerConfig config, String key) {
        if (config.standalone()) {
            if (config.getInt(key) > 1 && config.isSet(key) && WARNED.add(key)) {
                log.warn("{}={} is taken as 1: this node runs alone (no controller.quorum.voters)", key,
                        config.getInt(key));
            }
            return 1;
        }
        return config.getInt(key);
    }
}
