package io.samsa.coordinator.group;

import java.util.Map;
import java.util.TreeMap;

/**
 * The committed offsets of the groups in one coordinator partition: group -> topic -> partition ->
 * {@link Committed}. Changed only by {@link GroupReplay}. Event thread only.
 */
final class OffsetStore {

    /**
     * One committed offset (record OffsetCommit).
     *
     * @param expireTimestamp when it expires; -1 to expire by offsets.retention.minutes
     */
    record Committed(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
    }

    private final Map<String, TreeMap<String, TreeMap<Integer, Committed>>> byGroup = new TreeMap<>();

    void put(String group, String topic, int partition, Committed c) {
        byGroup.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(topic, t -> new TreeMap<>())
                .put(partition, c);
    }

    Committed get(String group, String topic, int partition) {
        Map<String, TreeMap<Integer, Committed>> topics = byGroup.get(group);
        Map<Integer, Committed> parts = topics == null ? null : topics.get(topic);
        return parts == null ? null : parts.get(partition);
    }

    boolean remove(String group, String topic, int partition) {
        TreeMap<String, TreeMap<Integer, Committed>> topics = byGroup.get(group);
        if (topics == null) {
            return false;
        }
        TreeMap<Integer, Committed> parts = topics.get(topic);
        if (parts == null || parts.remove(partition) == null) {
            return false;
        }
        if (parts.isEmpty()) {
            topics.remove(topic);
        }
        if (topics.isEmpty()) {
            byGroup.remove(group);
        }
        return true;
    }

    /** Every offset of {@code group} (topic -> partition -> committed); empty if none. Do not modify. */
    Map<String, TreeMap<Integer, Committed>> group(String group) {
        TreeMap<String, TreeMap<Integer, Committed>> topics = byGroup.get(group);
        return topics == null ? Map.of() : topics;
    }

    boolean hasOffsets(String group) {
        return byGroup.containsKey(group);
    }

    Iterable<String> groups() {
        return byGroup.keySet();
    }
}
