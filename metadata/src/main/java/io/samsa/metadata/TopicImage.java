package io.samsa.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A topic in a {@link MetadataImage}: name, id, partitions by index (0..n-1, sorted) and the
 * topic's dynamic config overrides. Immutable.
 */
public record TopicImage(String name, UUID id, SortedMap<Integer, PartitionRegistration> partitions,
                         Map<String, String> configs) {
    public TopicImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
        configs = Map.copyOf(configs);
    }

    public int numPartitions() {
        return partitions.size();
    }

    /** The partition with this index, or null. */
    public PartitionRegistration partition(int index) {
        return partitions.get(index);
    }

    /** The replication factor: the replica count of partition 0 (0 for a topic without partitions). */
    public int replicationFactor() {
        PartitionRegistration p = partitions.get(0);
        return p == null ? 0 : p.replicas().size();
    }
}
