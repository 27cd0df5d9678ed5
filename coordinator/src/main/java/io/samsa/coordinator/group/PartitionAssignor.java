package io.samsa.coordinator.group;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A KIP-848 server-side assignor: computes a consumer group's target assignment from its members'
 * subscriptions (topic ids) and the partition counts. Deterministic for the same input. Stateless.
 */
interface PartitionAssignor {

    /** The name clients select it by (ConsumerGroupHeartbeat ServerAssignor, group.remote.assignor). */
    String name();

    /**
     * @param subscriptions member id -> subscribed topic ids (only topics that exist)
     * @param partitionCounts topic id -> number of partitions
     * @param current the current target assignment (member id -> topic id -> partitions), for stickiness
     * @return member id -> topic id -> partitions; every member of {@code subscriptions} has an entry
     */
    TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> assign(TreeMap<String, Set<UUID>> subscriptions,
                                                          Map<UUID, Integer> partitionCounts,
                                                          Map<String, TreeMap<UUID, TreeSet<Integer>>> current);

    /** The assignor called {@code name} ("uniform" or "range"), or null. */
    static PartitionAssignor named(String name) {
        return switch (name) {
            case "uniform" -> new UniformAssignor();
            case "range" -> new RangeAssignor();
            default -> null;
        };
    }
}
