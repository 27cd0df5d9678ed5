package io.samsa.coordinator.group;

import io.samsa.coordinator.TopicMetadata;
import java.util.Set;

/**
 * A group held by a {@link GroupShard}: a classic group (JoinGroup/SyncGroup) or a consumer group
 * (KIP-848 ConsumerGroupHeartbeat). Event thread only.
 */
sealed interface Group permits ClassicGroup, ConsumerGroup {

    /** The group's type as ListGroups v5+ reports it: "classic" or "consumer". */
    String type();

    String groupId();

    /** The state name as Kafka reports it (e.g. "Stable", "Empty", "PreparingRebalance", "Reconciling"). */
    String stateName();

    /** The protocol type ListGroups reports ("consumer" for both consumer protocols). */
    String protocolType();

    boolean isEmpty();

    /** Topics some member consumes (OffsetDelete refuses them, KIP-496; offset expiry keeps them). */
    Set<String> subscribedTopics(TopicMetadata topics);
}
