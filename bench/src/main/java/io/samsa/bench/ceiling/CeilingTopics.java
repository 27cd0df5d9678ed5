package io.samsa.bench.ceiling;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The do-nothing broker's whole state: topic names, their partition counts and a next-offset counter per
 * partition (so that Produce answers carry increasing offsets and ListOffsets a plausible end). Topics are
 * created by CreateTopics or on first mention with the default partition count. Thread-safe: every event
 * loop reads and bumps the counters.
 */
final class CeilingTopics {
    /** One topic: its id (derived from the name) and one next offset per partition. */
    record Topic(String name, UUID id, AtomicLongArray nextOffsets) {
        int partitions() {
            return nextOffsets.length();
        }
    }

    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final int defaultPartitions;

    CeilingTopics(int defaultPartitions) {
        this.defaultPartitions = defaultPartitions;
    }

    /** The topic, created with {@code partitions} (or the default when not positive) if new. */
    Topic getOrCreate(String name, int partitions) {
        return topics.computeIfAbsent(name, n -> new Topic(n,
                UUID.nameUUIDFromBytes(n.getBytes(StandardCharsets.UTF_8)),
                new AtomicLongArray(partitions > 0 ? partitions : defaultPartitions)));
    }

    Topic get(String name) {
        return topics.get(name);
    }

    boolean exists(String name) {
        return topics.containsKey(name);
    }

    Collection<Topic> all() {
        return topics.values();
    }

    /** Advances a partition's offset by {@code records}; returns the base offset given to them. */
    long append(Topic t, int partition, int records) {
        if (partition < 0 || partition >= t.partitions()) {
            return -1;
        }
        return t.nextOffsets().getAndAdd(partition, records);
    }
}
