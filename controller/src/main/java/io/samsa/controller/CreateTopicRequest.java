package io.samsa.controller;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One topic of a CreateTopics request: name, partition count and replication factor (-1 for the
 * broker's default), or explicit replica assignments by partition (then both counts must be -1),
 * and config overrides (a null value is refused with INVALID_CONFIG, as Kafka does). Immutable.
 */
public record CreateTopicRequest(String name, int numPartitions, int replicationFactor,
                                 Map<Integer, List<Integer>> assignments, Map<String, String> configs) {
    public CreateTopicRequest {
        Objects.requireNonNull(name, "name");
        Map<Integer, List<Integer>> a = new LinkedHashMap<>();
        if (assignments != null) {
            assignments.forEach((p, r) -> a.put(p, List.copyOf(r)));
        }
        assignments = Collections.unmodifiableMap(a);
        configs = configs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(configs));
    }

    /** A topic with counts (-1 for defaults), no assignments and no configs. */
    public static CreateTopicRequest of(String name, int numPartitions, int replicationFactor) {
        return new CreateTopicRequest(name, numPartitions, replicationFactor, Map.of(), Map.of());
    }
}
