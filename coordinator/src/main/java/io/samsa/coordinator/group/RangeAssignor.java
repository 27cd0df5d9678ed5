package io.samsa.coordinator.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The "range" server assignor: for each topic, its subscribers (sorted by member id) get contiguous ranges
 * of partitions, the first {@code partitions % members} one more than the rest, so co-partitioned topics
 * are assigned alike. Stateless.
 */
final class RangeAssignor implements PartitionAssignor {

    @Override
    public String name() {
        return "range";
    }

    @Override
    public TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> assign(TreeMap<String, Set<UUID>> subscriptions,
                                                                 Map<UUID, Integer> partitionCounts,
                                                                 Map<String, TreeMap<UUID, TreeSet<Integer>>> current) {
        TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> out = new TreeMap<>();
        TreeMap<UUID, List<String>> subscribers = new TreeMap<>();
        for (Map.Entry<String, Set<UUID>> e : subscriptions.entrySet()) {
            out.put(e.getKey(), new TreeMap<>());
            for (UUID t : e.getValue()) {
                if (partitionCounts.containsKey(t)) {
                    subscribers.computeIfAbsent(t, x -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        for (Map.Entry<UUID, List<String>> e : subscribers.entrySet()) {
            int n = partitionCounts.get(e.getKey());
            List<String> members = e.getValue();
            int per = n / members.size();
            int extra = n % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int count = per + (i < extra ? 1 : 0);
                if (count == 0) {
                    continue;
                }
                TreeSet<Integer> parts = out.get(members.get(i)).computeIfAbsent(e.getKey(), x -> new TreeSet<>());
                for (int j = 0; j < count; j++) {
                    parts.add(next++);
                }
            }
        }
        return out;
    }
}
