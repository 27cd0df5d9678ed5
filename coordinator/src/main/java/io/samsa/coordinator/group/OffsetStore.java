package io.samsa.coordinator.group;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed offsets of the groups in one coordinator partition: group -> topic -> partition ->
 * {@link Committed}, and the transactional offsets still pending, by producer (written by TxnOffsetCommit, made
 * committed by the producer's commit marker, dropped by its abort marker). Changed only by {@link GroupReplay}. Event
 * thread only.
 */
final class OffsetStore {

    /**
     * One committed offset (record OffsetCommit).
     *
     * @param expireTimestamp when it expires; -1 to expire by offsets.retention.minutes
     * @param order where its record stands among the partition's records (replay order), so that a transactional
     *     offset committed by a marker replaces only an offset written before it, as Kafka compares log offsets
     */
    record Committed(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp,
                     long order) {
        Committed(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
            this(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp, -1);
        }
    }

    /** group -> topic -> partition -> offset. */
    private static final class Offsets {
        final TreeMap<String, TreeMap<String, TreeMap<Integer, Committed>>> byGroup = new TreeMap<>();

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
    }

    private final Offsets committed = new Offsets();
    /** Producer id -> its transaction's offsets, not visible yet. */
    private final TreeMap<Long, Offsets> pending = new TreeMap<>();

    void put(String group, String topic, int partition, Committed c) {
        committed.put(group, topic, partition, c);
    }

    Committed get(String group, String topic, int partition) {
        return committed.get(group, topic, partition);
    }

    /** Removes the offset of a partition, committed and pending alike (an OffsetCommit tombstone, as in Kafka). */
    boolean remove(String group, String topic, int partition) {
        boolean removed = committed.remove(group, topic, partition);
        for (Offsets p : pending.values()) {
            removed |= p.remove(group, topic, partition);
        }
        pending.values().removeIf(p -> p.byGroup.isEmpty());
        return removed;
    }

    /** Every offset of {@code group} (topic -> partition -> committed); empty if none. Do not modify. */
    Map<String, TreeMap<Integer, Committed>> group(String group) {
        TreeMap<String, TreeMap<Integer, Committed>> topics = committed.byGroup.get(group);
        return topics == null ? Map.of() : topics;
    }

    boolean hasOffsets(String group) {
        return committed.byGroup.containsKey(group);
    }

    Iterable<String> groups() {
        return committed.byGroup.keySet();
    }

    // ---- transactional offsets

    void putPending(long producerId, String group, String topic, int partition, Committed c) {
        pending.computeIfAbsent(producerId, p -> new Offsets()).put(group, topic, partition, c);
    }

    /**
     * The producer's transaction ended: its offsets become committed (when {@code commit}, each unless a later
     * record already set that partition), or are dropped. Returns the groups that got offsets, with the commit time
     * of one of them.
     */
    Map<String, Long> endTransaction(long producerId, boolean commit) {
        Offsets p = pending.remove(producerId);
        Map<String, Long> out = new TreeMap<>();
        if (p == null || !commit) {
            return out;
        }
        p.byGroup.forEach((group, topics) -> topics.forEach((topic, parts) -> parts.forEach((partition, c) -> {
            Committed current = committed.get(group, topic, partition);
            if (current == null || current.order() < c.order()) {
                committed.put(group, topic, partition, c);
                out.put(group, c.commitTimestamp());
            }
        })));
        return out;
    }

    /** Whether some producer's transaction holds an offset of this partition for the group. */
    boolean hasPending(String group, String topic, int partition) {
        for (Offsets p : pending.values()) {
            if (p.get(group, topic, partition) != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether some producer's transaction holds an offset for the group. */
    boolean hasPending(String group) {
        for (Offsets p : pending.values()) {
            if (p.byGroup.containsKey(group)) {
                return true;
            }
        }
        return false;
    }

    /** The partitions of {@code group} with a pending offset (topic -> partitions), any producer. */
    Map<String, TreeSet<Integer>> pendingPartitions(String group) {
        TreeMap<String, TreeSet<Integer>> out = new TreeMap<>();
        for (Offsets p : pending.values()) {
            TreeMap<String, TreeMap<Integer, Committed>> topics = p.byGroup.get(group);
            if (topics != null) {
                topics.forEach((t, parts) -> out.computeIfAbsent(t, k -> new TreeSet<>())
                        .addAll(parts.keySet()));
            }
        }
        return out;
    }

    /** Every pending offset, by producer (tests compare it with a fresh load). */
    String describePending() {
        StringBuilder sb = new StringBuilder();
        pending.forEach((pid, p) -> sb.append("pending ").append(pid).append(' ').append(p.byGroup).append('\n'));
        return sb.toString();
    }
}
