package io.samsa.coordinator;

import static io.samsa.coordinator.ConfigProps.intProp;
import static io.samsa.coordinator.ConfigProps.longProp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The group coordinator's settings, under Kafka's broker config names and defaults. Immutable.
 *
 * @param numPartitions offsets.topic.num.partitions
 * @param initialRebalanceDelayMs group.initial.rebalance.delay.ms: how long a new classic group waits for more
 *     members before its first rebalance completes
 * @param minSessionTimeoutMs group.min.session.timeout.ms
 * @param maxSessionTimeoutMs group.max.session.timeout.ms
 * @param maxGroupSize group.max.size
 * @param offsetMetadataMaxBytes offset.metadata.max.bytes
 * @param offsetsRetentionMs offsets.retention.minutes, in milliseconds
 * @param offsetsRetentionCheckIntervalMs offsets.retention.check.interval.ms
 * @param newMemberJoinTimeoutMs group.classic.new.member.join.timeout.ms (Kafka's fixed 5 minutes)
 * @param consumerSessionTimeoutMs group.consumer.session.timeout.ms (KIP-848)
 * @param consumerHeartbeatIntervalMs group.consumer.heartbeat.interval.ms (KIP-848)
 * @param consumerAssignors group.consumer.assignors; the first is the default server assignor
 * @param consumerProtocolEnabled whether group.coordinator.rebalance.protocols lists "consumer"
 * @param maxRecordBatchBytes message.max.bytes: the largest batch {@code __consumer_offsets} accepts (its
 *     max.message.bytes defaults to it), so that a group whose record would not fit is refused up front
 */
public record GroupCoordinatorConfig(int numPartitions, int initialRebalanceDelayMs, int minSessionTimeoutMs,
                                     int maxSessionTimeoutMs, int maxGroupSize, int offsetMetadataMaxBytes,
                                     long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs,
                                     int newMemberJoinTimeoutMs, int consumerSessionTimeoutMs,
                                     int consumerHeartbeatIntervalMs, List<String> consumerAssignors,
                                     boolean consumerProtocolEnabled, int maxRecordBatchBytes) {

    public GroupCoordinatorConfig {
        if (numPartitions < 1) {
            throw new IllegalArgumentException("offsets.topic.num.partitions must be at least 1: " + numPartitions);
        }
        consumerAssignors = List.copyOf(consumerAssignors);
        if (consumerAssignors.isEmpty()) {
            throw new IllegalArgumentException("group.consumer.assignors must not be empty");
        }
    }

    /** Kafka's defaults. */
    public static GroupCoordinatorConfig defaults() {
        return fromMap(Map.of());
    }

    /** Reads the settings from broker properties; absent keys take Kafka's defaults. */
    public static GroupCoordinatorConfig fromMap(Map<String, String> props) {
        List<String> assignors = new ArrayList<>();
        for (String a : props.getOrDefault("group.consumer.assignors", "uniform,range").split(",")) {
            String name = a.trim().toLowerCase(Locale.ROOT);
            // Kafka also accepts the class names of its built-in assignors.
            if (name.endsWith("uniformassignor")) {
                name = "uniform";
            } else if (name.endsWith("rangeassignor")) {
                name = "range";
            }
            if (!name.isEmpty()) {
                assignors.add(name);
            }
        }
        boolean consumer = false;
        for (String p : props.getOrDefault("group.coordinator.rebalance.protocols", "classic,consumer").split(",")) {
            consumer |= p.trim().equalsIgnoreCase("consumer");
        }
        return new GroupCoordinatorConfig(
                intProp(props, "offsets.topic.num.partitions", 50),
                intProp(props, "group.initial.rebalance.delay.ms", 3000),
                intProp(props, "group.min.session.timeout.ms", 6000),
                intProp(props, "group.max.session.timeout.ms", 1800000),
                intProp(props, "group.max.size", Integer.MAX_VALUE),
                intProp(props, "offset.metadata.max.bytes", 4096),
                intProp(props, "offsets.retention.minutes", 10080) * 60_000L,
                longProp(props, "offsets.retention.check.interval.ms", 600_000L),
                intProp(props, "group.classic.new.member.join.timeout.ms", 300_000),
                intProp(props, "group.consumer.session.timeout.ms", 45_000),
                intProp(props, "group.consumer.heartbeat.interval.ms", 5_000),
                assignors, consumer, intProp(props, "message.max.bytes", 1024 * 1024 + 12));
    }

    /** A copy with a different partition count (tests). */
    public GroupCoordinatorConfig withNumPartitions(int n) {
        return new GroupCoordinatorConfig(n, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                maxGroupSize, offsetMetadataMaxBytes, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                newMemberJoinTimeoutMs, consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerAssignors,
                consumerProtocolEnabled, maxRecordBatchBytes);
    }
}
