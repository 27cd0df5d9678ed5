package io.samsa.coordinator.group;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The "uniform" server assignor (the default): spreads the partitions of the subscribed topics evenly over
 * the members that subscribe to them, keeping each member's current partitions up to its fair share so
 * that a rebalance moves as few partitions as possible. Stateless.
 */
final class UniformAssignor implements PartitionAssignor {

    @Override
    public String name() {
        return "uniform";
    }

    @Override
    public TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> assign(TreeMap<String, Set<UUID>> subscriptions,
                                                                 Map<UUID, Integer> partitionCounts,
                                                                 Map<String, TreeMap<UUID, TreeSet<Integer>>> current) {
        TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> out = new TreeMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Map<UUID, Integer> subscriberCount = new HashMap<>();
        for (Map.Entry<String, Set<UUID>> e : subscriptions.entrySet()) {
            out.put(e.getKey(), new TreeMap<>());
            counts.put(e.getKey(), 0);
            for (UUID t : e.getValue()) {
                if (partitionCounts.containsKey(t)) {
                    subscriberCount.merge(t, 1, Integer::sum);
                }
            }
        }
        Map<UUID, Map<Integer, String>> taken = new HashMap<>();
        // 1. Keep current partitions, up to each member's fair share.
        for (Map.Entry<String, Set<UUID>> e : subscriptions.entrySet()) {
            String member = e.getKey();
            double share = 0;
            for (UUID t : e.getValue()) {
                Integer n = partitionCounts.get(t);
                if (n != null) {
                    share += (double) n / subscriberCount.get(t);
                }
            }
            int cap = (int) Math.ceil(share - 1e-9);
            TreeMap<UUID, TreeSet<Integer>> cur = current.get(member);
            if (cur == null) {
                continue;
            }
            for (Map.Entry<UUID, TreeSet<Integer>> c : cur.entrySet()) {
                Integer n = partitionCounts.get(c.getKey());
                if (n == null || !e.getValue().contains(c.getKey())) {
                    continue;
                }
                for (int p : c.getValue()) {
                    if (p < n && counts.get(member) < cap
                            && taken.computeIfAbsent(c.getKey(), x -> new HashMap<>()).putIfAbsent(p, member) == null) {
                        out.get(member).computeIfAbsent(c.getKey(), x -> new TreeSet<>()).add(p);
                        counts.merge(member, 1, Integer::sum);
                    }
                }
            }
        }
        // 2. Give every free partition to the eligible member with the fewest partitions.
        for (UUID t : new TreeSet<>(subscriberCount.keySet())) {
            int n = partitionCounts.get(t);
            Map<Integer, String> takenT = taken.computeIfAbsent(t, x -> new HashMap<>());
            for (int p = 0; p < n; p++) {
                if (takenT.containsKey(p)) {
                    continue;
                }
                String best = null;
                for (Map.Entry<String, Set<UUID>> e : subscriptions.entrySet()) {
                    if (e.getValue().contains(t) && (best == null || counts.get(e.getKey()) < counts.get(best))) {
                        best = e.getKey();
                    }
                }
                takenT.put(p, best);
                out.get(best).computeIfAbsent(t, x -> new TreeSet<>()).add(p);
                counts.merge(best, 1, Integer::sum);
            }
        }
        // 3. Even out what stickiness left uneven: move a partition while it narrows a gap of two or more.
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Map.Entry<String, TreeMap<UUID, TreeSet<Integer>>> from : out.entrySet()) {
                for (Map.Entry<UUID, TreeSet<Integer>> tp : from.getValue().entrySet()) {
                    for (String to : out.keySet()) {
                        if (counts.get(to) + 1 < counts.get(from.getKey()) && !tp.getValue().isEmpty()
                                && subscriptions.get(to).contains(tp.getKey())) {
                            int p = tp.getValue().pollLast();
                            out.get(to).computeIfAbsent(tp.getKey(), x -> new TreeSet<>()).add(p);
                            counts.merge(to, 1, Integer::sum);
                            counts.merge(from.getKey(), -1, Integer::sum);
                            moved = true;
                        }
                    }
                }
            }
        }
        for (TreeMap<UUID, TreeSet<Integer>> m : out.values()) {
            m.values().removeIf(TreeSet::isEmpty);
        }
        return out;
    }
}
