package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicaPlacerTest {

    private static BrokerRegistration broker(int id, String rack) {
        return new BrokerRegistration(id, 10 + id, new UUID(0, id), rack, List.of());
    }

    private static Map<Integer, String> racks(List<BrokerRegistration> brokers) {
        Map<Integer, String> out = new HashMap<>();
        for (BrokerRegistration b : brokers) {
            out.put(b.nodeId(), b.rack());
        }
        return out;
    }

    /** Counts of leaders and of replicas per broker. */
    private static int[][] counts(List<List<Integer>> placement, int maxId) {
        int[][] c = new int[2][maxId + 1];
        for (List<Integer> replicas : placement) {
            c[0][replicas.get(0)]++;
            for (int r : replicas) {
                c[1][r]++;
            }
        }
        return c;
    }

    @Test
    void moreReplicasThanUsableBrokersIsKafkasInvalidReplicationFactor() {
        SamsaException e = assertThrows(SamsaException.class, () -> ReplicaPlacer.place(
            List.of(broker(1, null), broker(2, null)), "t", 0, 1, 3));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, e.errorCode());
        assertEquals("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be "
            + "reached because only 2 broker(s) are registered.", e.getMessage());
    }

    @Test
    void everyPartitionSpansAsManyRacksAsItCanAndTheLoadIsEven() {
        List<BrokerRegistration> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "b"), broker(4, "b"),
            broker(5, "c"), broker(6, "c"));
        Map<Integer, String> rackOf = racks(brokers);
        List<List<Integer>> placement = ReplicaPlacer.place(brokers, "orders", 0, 60, 3);
        for (List<Integer> replicas : placement) {
            assertEquals(3, new HashSet<>(replicas).size(), replicas.toString());
            Set<String> racks = new HashSet<>();
            replicas.forEach(r -> racks.add(rackOf.get(r)));
            assertEquals(Set.of("a", "b", "c"), racks, replicas.toString());
        }
        int[][] c = counts(placement, 6);
        for (int id = 1; id <= 6; id++) {
            assertEquals(10, c[0][id], "leaders of broker " + id);
            assertEquals(30, c[1][id], "replicas of broker " + id);
        }
    }

    @Test
    void withoutRacksLeadersAndReplicasSpreadEvenly() {
        List<BrokerRegistration> brokers = new ArrayList<>();
        for (int id = 1; id <= 5; id++) {
            brokers.add(broker(id, null));
        }
        List<List<Integer>> placement = ReplicaPlacer.place(brokers, "events", 0, 50, 3);
        int[][] c = counts(placement, 5);
        for (int id = 1; id <= 5; id++) {
            assertEquals(10, c[0][id], "leaders of broker " + id);
            assertEquals(30, c[1][id], "replicas of broker " + id);
        }
        // Followers of one leader vary: broker 1's partitions do not all follow on the same brokers.
        Set<List<Integer>> followerSets = new HashSet<>();
        for (List<Integer> replicas : placement) {
            if (replicas.get(0) == 1) {
                followerSets.add(replicas.subList(1, 3));
            }
        }
        assertTrue(followerSets.size() > 1, followerSets.toString());
    }

    @Test
    void unevenRacksStillPutEachPartitionOnBothRacks() {
        List<BrokerRegistration> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "a"), broker(4, "b"));
        Map<Integer, String> rackOf = racks(brokers);
        for (List<Integer> replicas : ReplicaPlacer.place(brokers, "x", 0, 12, 2)) {
            assertEquals(Set.of("a", "b"), Set.of(rackOf.get(replicas.get(0)), rackOf.get(replicas.get(1))),
                replicas.toString());
        }
        // All four when asked for four: every broker once.
        for (List<Integer> replicas : ReplicaPlacer.place(brokers, "x", 0, 8, 4)) {
            assertEquals(Set.of(1, 2, 3, 4), new HashSet<>(replicas));
        }
    }

    @Test
    void addedPartitionsContinueTheRoundAndPlacementIsReproducible() {
        List<BrokerRegistration> brokers = List.of(broker(1, null), broker(2, null), broker(3, null));
        List<List<Integer>> all = ReplicaPlacer.place(brokers, "grow", 0, 9, 2);
        assertEquals(all, ReplicaPlacer.place(brokers, "grow", 0, 9, 2));
        assertEquals(all.subList(3, 9), ReplicaPlacer.place(brokers, "grow", 3, 6, 2));
    }

    @Test
    void theRingAlternatesRacks() {
        List<BrokerRegistration> ring = ReplicaPlacer.rackAlternating(List.of(broker(4, "b"), broker(1, "a"),
            broker(2, "a"), broker(3, "b"), broker(5, "c")));
        assertEquals(List.of(1, 3, 5, 2, 4), ring.stream().map(BrokerRegistration::nodeId).toList());
    }
}
