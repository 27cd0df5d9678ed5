package io.samsa.server.partition;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.ReplicationQuota;
import io.samsa.server.config.BrokerConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's replication throttles from the metadata: the rates {@code leader.replication.throttled.rate} and
 * {@code follower.replication.throttled.rate} (this broker's dynamic config, else the cluster default, else the static
 * config, else unbounded) and the partitions they apply to here, from each topic's
 * {@code leader.replication.throttled.replicas} / {@code follower.replication.throttled.replicas}: the entries
 * {@code partition:broker} naming this broker, or {@code *} for every partition. Both are what
 * {@code kafka-reassign-partitions.sh --throttle} and {@code kafka-configs.sh} set, and take effect at once.
 *
 * <p>Called on the metadata loader's executor; recomputed when broker configs or topics changed. Never blocks.
 */
public final class ReplicationThrottles implements MetadataPublisher {
    private static final Logger log = LoggerFactory.getLogger(ReplicationThrottles.class);
    static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    private final BrokerConfig config;
    private final ReplicationQuota leader;
    private final ReplicationQuota follower;
    private boolean first = true;

    public ReplicationThrottles(BrokerConfig config, ReplicationQuota leader, ReplicationQuota follower) {
        this.config = config;
        this.leader = leader;
        this.follower = follower;
    }

    @Override
    public String name() {
        return "replication-throttles";
    }

    @Override
    public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        boolean brokers = first || !delta.changedBrokerConfigs().isEmpty();
        boolean topics = first || !delta.changedTopicIds().isEmpty() || !delta.deletedTopics().isEmpty();
        first = false;
        if (brokers) {
            apply(leader, rate(image, BrokerConfig.LEADER_REPLICATION_THROTTLED_RATE));
            apply(follower, rate(image, BrokerConfig.FOLLOWER_REPLICATION_THROTTLED_RATE));
        }
        if (topics) {
            leader.setThrottled(throttled(image, LEADER_REPLICAS, config.nodeId()));
            follower.setThrottled(throttled(image, FOLLOWER_REPLICAS, config.nodeId()));
        }
        return CompletableFuture.completedFuture(null);
    }

    private static void apply(ReplicationQuota quota, long rate) {
        quota.setRate(rate);
    }

    /** This broker's dynamic value, the cluster default, the static value (Kafka's default: unbounded). */
    private long rate(MetadataImage image, String key) {
        String v = image.brokerConfigs(Integer.toString(config.nodeId())).get(key);
        if (v == null) {
            v = image.brokerConfigs("").get(key);
        }
        if (v != null) {
            try {
                return Math.max(0, Long.parseLong(v.trim()));
            } catch (NumberFormatException e) {
                log.warn("Ignoring {}={}: not a number of bytes per second", key, v);
            }
        }
        return config.getLong(key);
    }

    /** The partitions of each topic whose {@code key} names {@code nodeId} (or {@code *}). */
    static Map<String, Set<Integer>> throttled(MetadataImage image, String key, int nodeId) {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (TopicImage t : image.topicsByName().values()) {
            String list = t.configs().get(key);
            if (list == null || list.isBlank()) {
                continue;
            }
            Set<Integer> partitions = new HashSet<>();
            for (String entry : list.split(",")) {
                String e = entry.trim();
                if (e.equals("*")) {
                    partitions.add(ReplicationQuota.ALL_PARTITIONS);
                    continue;
                }
                int colon = e.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                try {
                    if (Integer.parseInt(e.substring(colon + 1).trim()) == nodeId) {
                        partitions.add(Integer.parseInt(e.substring(0, colon).trim()));
                    }
                } catch (NumberFormatException ignored) {
                    // The controller validated the list; nothing else to take from a malformed entry.
                }
            }
            if (!partitions.isEmpty()) {
                out.put(t.name(), Set.copyOf(partitions));
            }
        }
        return out;
    }
}
