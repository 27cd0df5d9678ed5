package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Places the replicas of new partitions on the usable brokers (unfenced, not shutting down), rack-aware and
 * balanced:
 *
 * <ol>
 *   <li>The brokers are grouped by {@code broker.rack} (brokers without a rack form one group of their own), and
 *       arranged so that neighbours sit on different racks: the first broker of every rack, then the second of
 *       every rack, and so on (racks by name, brokers by id).
 *   <li>Partition {@code p}'s first replica (its preferred leader) is the broker at position {@code start + p} of
 *       that ring: leaders go round the brokers, so each leads an equal share of a topic's partitions.
 *   <li>The other replicas follow the leader at a distance that grows by one each time the partitions have gone
 *       once round the ring, so that a broker's followers are spread over the others rather than always the same
 *       neighbour; a replica goes to a rack that holds none of the partition's replicas yet while there is one.
 * </ol>
 *
 * {@code start} comes from the topic name, so a topic's placement is reproducible; partitions added later continue
 * the round from their index. Stateless.
 */
final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /**
     * Replicas for partitions {@code first} to {@code first + count - 1} of {@code topic}, {@code rf} each.
     *
     * @throws SamsaException INVALID_REPLICATION_FACTOR when fewer than {@code rf} brokers are usable
     */
    static List<List<Integer>> place(Collection<BrokerRegistration> usable, String topic, int first, int count,
                                     int rf) {
        if (rf > usable.size()) {
            throw new SamsaException(ErrorCode.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + rf
                + " time(s): The target replication factor of " + rf + " cannot be reached because only "
                + usable.size() + " broker(s) are registered.");
        }
        List<BrokerRegistration> ring = rackAlternating(usable);
        int n = ring.size();
        int start = Math.floorMod(topic.hashCode(), n);
        List<List<Integer>> out = new ArrayList<>(count);
        for (int p = first; p < first + count; p++) {
            out.add(placeOne(ring, start, p, rf));
        }
        return out;
    }

    private static List<Integer> placeOne(List<BrokerRegistration> ring, int start, int p, int rf) {
        int n = ring.size();
        int leaderPos = (start + p) % n;
        List<Integer> replicas = new ArrayList<>(rf);
        Set<String> racks = new HashSet<>();
        BrokerRegistration leader = ring.get(leaderPos);
        replicas.add(leader.nodeId());
        racks.add(rackOf(leader));
        if (rf == 1) {
            return replicas;
        }
        int rackCount = (int) ring.stream().map(ReplicaPlacer::rackOf).distinct().count();
        // The distance from the leader to its first follower: 1, 2, ..., n-1, then 1 again, one step per round.
        int shift = 1 + (p / n) % (n - 1);
        for (int pass = 0; pass < 2 && replicas.size() < rf; pass++) {
            for (int k = 0; k < n && replicas.size() < rf; k++) {
                BrokerRegistration b = ring.get((leaderPos + shift + k) % n);
                if (b.nodeId() == leader.nodeId() || replicas.contains(b.nodeId())) {
                    continue;
                }
                // First pass: only racks without a replica of this partition, while some are left.
                if (pass == 0 && racks.contains(rackOf(b)) && racks.size() < rackCount) {
                    continue;
                }
                replicas.add(b.nodeId());
                racks.add(rackOf(b));
            }
        }
        return replicas;
    }

    /** The brokers arranged so that consecutive ones are on different racks where possible. */
    static List<BrokerRegistration> rackAlternating(Collection<BrokerRegistration> brokers) {
        Map<String, List<BrokerRegistration>> byRack = new TreeMap<>();
        for (BrokerRegistration b : brokers) {
            byRack.computeIfAbsent(rackOf(b), r -> new ArrayList<>()).add(b);
        }
        for (List<BrokerRegistration> l : byRack.values()) {
            l.sort((a, b) -> Integer.compare(a.nodeId(), b.nodeId()));
        }
        List<BrokerRegistration> out = new ArrayList<>(brokers.size());
        for (int i = 0; out.size() < brokers.size(); i++) {
            for (List<BrokerRegistration> l : byRack.values()) {
                if (i < l.size()) {
                    out.add(l.get(i));
                }
            }
        }
        return out;
    }

    private static String rackOf(BrokerRegistration b) {
        return b.rack() == null ? "" : b.rack();
    }
}
