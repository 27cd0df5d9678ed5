package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.samsa.coordinator.record.ConsumerGroupCurrentMemberAssignmentKey;
import io.samsa.coordinator.record.ConsumerGroupMemberMetadataKey;
import io.samsa.coordinator.record.ConsumerGroupTargetAssignmentMemberKey;
import io.samsa.coordinator.record.GroupRecordSerde;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupDescribeRequest;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ConsumerGroupTest {

    /** A KIP-848 client as the coordinator sees it: what it owns, reported on every heartbeat. */
    private static final class Client {
        final String memberId = UUID.randomUUID().toString();
        int epoch;
        final TreeMap<UUID, TreeSet<Integer>> owned = new TreeMap<>();
        List<String> topics = List.of("t");
        String regex;
        String assignor;
        String rack;

        int count() {
            return owned.values().stream().mapToInt(Set::size).sum();
        }
    }

    private static ConsumerGroupHeartbeatResponse heartbeat(Harness h, String group, Client c) {
        ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(group)
                .setMemberId(c.memberId).setMemberEpoch(c.epoch).setRebalanceTimeoutMs(5000)
                .setServerAssignor(c.assignor).setRackId(c.rack);
        if (c.epoch == 0) {
            req.setSubscribedTopicNames(c.regex == null ? new ArrayList<>(c.topics) : null)
                    .setSubscribedTopicRegex(c.regex).setTopicPartitions(new ArrayList<>());
        } else {
            List<ConsumerGroupHeartbeatRequest.TopicPartitions> tps = new ArrayList<>();
            c.owned.forEach((t, ps) -> tps.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(t)
                    .setPartitions(new ArrayList<>(ps))));
            req.setTopicPartitions(tps);
        }
        ConsumerGroupHeartbeatResponse r = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1), req));
        if (r.errorCode() == 0) {
            c.epoch = r.memberEpoch();
            if (r.assignment() != null) {
                c.owned.clear();
                for (ConsumerGroupHeartbeatResponse.TopicPartitions tp : r.assignment().topicPartitions()) {
                    c.owned.put(tp.topicId(), new TreeSet<>(tp.partitions()));
                }
            }
        } else if (r.errorCode() == ErrorCode.UNKNOWN_MEMBER_ID.code()
                || r.errorCode() == ErrorCode.FENCED_MEMBER_EPOCH.code()) {
            c.owned.clear();
            c.epoch = 0;
        }
        return r;
    }

    private static void assertDisjoint(List<Client> clients) {
        Map<String, String> seen = new HashMap<>();
        for (Client c : clients) {
            c.owned.forEach((t, ps) -> ps.forEach(p -> {
                String prev = seen.put(t + "-" + p, c.memberId);
                if (prev != null) {
                    fail("Partition " + t + "-" + p + " owned by " + prev + " and " + c.memberId);
                }
            }));
        }
    }

    @Test
    void firstMemberGetsEveryPartition() {
        Harness h = new Harness();
        UUID t = h.topics.add("t", 6).id();
        Client a = new Client();
        ConsumerGroupHeartbeatResponse r = heartbeat(h, "g", a);
        assertEquals(0, r.errorCode());
        assertEquals(1, r.memberEpoch());
        assertEquals(1000, r.heartbeatIntervalMs());
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), a.owned.get(t));
        assertNull(heartbeat(h, "g", a).assignment(), "nothing changed: no assignment sent");
    }

    @Test
    void aPartitionMovesOnlyAfterItsOwnerRevokedIt() {
        Harness h = new Harness();
        UUID t = h.topics.add("t", 6).id();
        Client a = new Client();
        Client b = new Client();
        heartbeat(h, "g", a);
        ConsumerGroupHeartbeatResponse rb = heartbeat(h, "g", b);
        assertEquals(2, rb.memberEpoch());
        assertEquals(0, b.count(), "B's partitions are still A's");
        ConsumerGroupHeartbeatResponse ra = heartbeat(h, "g", a);
        assertEquals(1, ra.memberEpoch(), "A stays in its epoch until it revokes");
        assertEquals(3, a.count());
        assertEquals("Reconciling", describe(h, "g").groupState());
        heartbeat(h, "g", b);
        assertEquals(0, b.count(), "A has not confirmed the revocation yet");
        heartbeat(h, "g", a);
        assertEquals(2, a.epoch);
        heartbeat(h, "g", b);
        assertEquals(3, b.count());
        assertDisjoint(List.of(a, b));
        ConsumerGroupDescribeResponse.DescribedGroup d = describe(h, "g");
        assertEquals("Stable", d.groupState());
        assertEquals(2, d.groupEpoch());
        assertEquals("uniform", d.assignorName());
        assertEquals("t", d.members().get(0).assignment().topicPartitions().get(0).topicName());
        assertTrue(t != null);
    }

    @Test
    void sessionTimeoutFencesAMemberAndItsPartitionsMove() {
        Harness h = new Harness();
        h.topics.add("t", 4);
        Client a = new Client();
        Client b = new Client();
        heartbeat(h, "g", a);
        heartbeat(h, "g", b);
        heartbeat(h, "g", a);
        heartbeat(h, "g", b);
        heartbeat(h, "g", a);
        heartbeat(h, "g", b);
        assertEquals(2, b.count());
        // B stops heartbeating; A goes on.
        for (int i = 0; i < 12; i++) {
            h.scheduler.advance(1000);
            heartbeat(h, "g", a);
        }
        assertEquals(4, a.count());
        Client stale = b;
        ConsumerGroupHeartbeatResponse r = heartbeat(h, "g", stale);
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), r.errorCode());
    }

    @Test
    void epochChecksAndValidation() {
        Harness h = new Harness();
        h.topics.add("t", 2);
        Client a = new Client();
        heartbeat(h, "g", a);
        a.epoch = 7;
        assertEquals(ErrorCode.FENCED_MEMBER_EPOCH.code(), heartbeat(h, "g", a).errorCode());
        Client bad = new Client();
        bad.assignor = "sticky-magic";
        assertEquals(ErrorCode.UNSUPPORTED_ASSIGNOR.code(), heartbeat(h, "g", bad).errorCode());
        Client re = new Client();
        re.regex = "(unclosed";
        assertEquals(ErrorCode.INVALID_REGULAR_EXPRESSION.code(), heartbeat(h, "g", re).errorCode());
        ConsumerGroupHeartbeatResponse noSub = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1),
                new ConsumerGroupHeartbeatRequest().setGroupId("g").setMemberId("x").setMemberEpoch(0)
                        .setRebalanceTimeoutMs(1000)));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), noSub.errorCode());
        assertNotNull(noSub.errorMessage());
        // A classic group with members is not a consumer group.
        done(h.join("classic", "", "i", 7));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(), heartbeat(h, "classic", new Client()).errorCode());
    }

    @Test
    void regexSubscriptionAndRangeAssignor() {
        Harness h = new Harness();
        UUID o1 = h.topics.add("orders-1", 2).id();
        UUID o2 = h.topics.add("orders-2", 2).id();
        h.topics.add("payments", 2);
        Client a = new Client();
        a.regex = "orders-.*";
        a.assignor = "range";
        Client b = new Client();
        b.regex = "orders-.*";
        b.assignor = "range";
        for (int i = 0; i < 4; i++) {
            heartbeat(h, "g", a);
            heartbeat(h, "g", b);
        }
        // Range: members sorted by id take contiguous ranges, the same on every topic.
        Client first = a.memberId.compareTo(b.memberId) < 0 ? a : b;
        Client second = first == a ? b : a;
        assertEquals(Set.of(0), first.owned.get(o1));
        assertEquals(Set.of(0), first.owned.get(o2));
        assertEquals(Set.of(1), second.owned.get(o1));
        assertEquals("range", describe(h, "g").assignorName());
        // A new matching topic joins the subscription at the next heartbeat.
        UUID o3 = h.topics.add("orders-3", 2).id();
        for (int i = 0; i < 3; i++) {
            heartbeat(h, "g", a);
            heartbeat(h, "g", b);
        }
        assertEquals(Set.of(0), first.owned.get(o3));
        assertDisjoint(List.of(a, b));
    }

    @Test
    void staticMemberLeavingTemporarilyKeepsItsPartitions() {
        Harness h = new Harness();
        h.topics.add("t", 2);
        Client a = new Client();
        ConsumerGroupHeartbeatRequest join = new ConsumerGroupHeartbeatRequest().setGroupId("g")
                .setMemberId(a.memberId).setMemberEpoch(0).setInstanceId("inst").setRebalanceTimeoutMs(1000)
                .setSubscribedTopicNames(new ArrayList<>(List.of("t"))).setTopicPartitions(new ArrayList<>());
        assertEquals(1, done(h.coordinator.consumerGroupHeartbeat(Harness.v(1), join)).memberEpoch());
        ConsumerGroupHeartbeatResponse leave = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1),
                new ConsumerGroupHeartbeatRequest().setGroupId("g").setMemberId(a.memberId).setMemberEpoch(-2)
                        .setInstanceId("inst")));
        assertEquals(-2, leave.memberEpoch());
        String newId = UUID.randomUUID().toString();
        ConsumerGroupHeartbeatResponse back = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1),
                join.setMemberId(newId)));
        assertEquals(0, back.errorCode());
        assertEquals(1, back.memberEpoch(), "same epoch: no rebalance");
        assertEquals(2, back.assignment().topicPartitions().get(0).partitions().size());
        ConsumerGroupHeartbeatResponse dup = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1),
                join.setMemberId(UUID.randomUUID().toString())));
        assertEquals(ErrorCode.UNRELEASED_INSTANCE_ID.code(), dup.errorCode());
    }

    @Test
    void aLargeGroupsMemberChangeWritesOnlyThatMembersRecords() {
        Harness h = new Harness();
        h.topics.add("t", 400);
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            clients.add(new Client());
            heartbeat(h, "g", clients.get(i));
        }
        for (int round = 0; round < 10 && !"Stable".equals(describe(h, "g").groupState()); round++) {
            clients.forEach(c -> heartbeat(h, "g", c));
        }
        assertEquals("Stable", describe(h, "g").groupState());
        assertDisjoint(clients);
        int groupBytes = liveBytes(h);

        int before = h.partitions.records(0).size();
        clients.forEach(c -> heartbeat(h, "g", c));
        assertEquals(before, h.partitions.records(0).size(), "heartbeats that change nothing write nothing");

        // One member's metadata changes: one record, keyed by that member.
        Client x = clients.get(17);
        x.rack = "rack-b";
        heartbeat(h, "g", x);
        List<TypedRecord> written = written(h, before);
        assertEquals(1, written.size());
        assertEquals(x.memberId, ((ConsumerGroupMemberMetadataKey) written.get(0).key()).memberId());

        // The member leaves: its tombstones, the group's epoch, and the target of the few members that inherit its
        // two partitions; then each of those reconciles by writing only its own current assignment.
        before = h.partitions.records(0).size();
        x.epoch = -1;
        heartbeat(h, "g", x);
        clients.remove(x);
        written = written(h, before);
        Set<String> members = new TreeSet<>();
        for (TypedRecord r : written) {
            String member = memberOf(r);
            if (member != null && !member.equals(x.memberId)) {
                members.add(member);
            }
        }
        assertTrue(members.size() <= 2, "only the inheritors' targets change: " + members);
        assertEquals(3 + 1 + members.size() + 1, written.size(), "3 tombstones, the epoch, the targets, their epoch");
        assertTrue(writtenBytes(h, before) * 50 < groupBytes, writtenBytes(h, before) + " bytes written for a group of "
                + groupBytes);
        for (Client c : clients) {
            int mark = h.partitions.records(0).size();
            heartbeat(h, "g", c);
            for (TypedRecord r : written(h, mark)) {
                assertEquals(c.memberId, memberOf(r), "a member's heartbeat writes only its own records");
            }
        }
        assertEquals("Stable", describe(h, "g").groupState());
    }

    /** The records written since index {@code from}, decoded. */
    private static List<TypedRecord> written(Harness h, int from) {
        List<TypedRecord> out = new ArrayList<>();
        List<CoordinatorRecord> all = h.partitions.records(0);
        for (int i = from; i < all.size(); i++) {
            out.add(new GroupRecordSerde().deserialize(all.get(i).key(), all.get(i).value()));
        }
        return out;
    }

    private static int writtenBytes(Harness h, int from) {
        int n = 0;
        List<CoordinatorRecord> all = h.partitions.records(0);
        for (int i = from; i < all.size(); i++) {
            n += all.get(i).key().length + (all.get(i).value() == null ? 0 : all.get(i).value().length);
        }
        return n;
    }

    /** The bytes of the latest value of every key: what a compacted __consumer_offsets holds. */
    private static int liveBytes(Harness h) {
        Map<java.nio.ByteBuffer, Integer> latest = new HashMap<>();
        for (CoordinatorRecord r : h.partitions.records(0)) {
            latest.put(java.nio.ByteBuffer.wrap(r.key()), r.value() == null ? 0 : r.key().length + r.value().length);
        }
        return latest.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static String memberOf(TypedRecord r) {
        if (r.key() instanceof ConsumerGroupMemberMetadataKey k) {
            return k.memberId();
        } else if (r.key() instanceof ConsumerGroupTargetAssignmentMemberKey k) {
            return k.memberId();
        } else if (r.key() instanceof ConsumerGroupCurrentMemberAssignmentKey k) {
            return k.memberId();
        }
        return null;
    }

    @Test
    void randomMembershipNeverOwnsAPartitionTwiceAndConverges() {
        for (long seed = 1; seed <= 30; seed++) {
            runSimulation(seed);
        }
    }

    private void runSimulation(long seed) {
        Random rnd = new Random(seed);
        Harness h = new Harness();
        h.topics.add("t", 6);
        h.topics.add("u", 3);
        List<Client> live = new ArrayList<>();
        List<Client> crashed = new ArrayList<>();
        try {
            for (int step = 0; step < 150; step++) {
                h.scheduler.advance(300);
                int action = rnd.nextInt(10);
                if (action == 0 || live.isEmpty()) {
                    Client c = new Client();
                    c.topics = rnd.nextBoolean() ? List.of("t") : List.of("t", "u");
                    live.add(c);
                } else if (action == 1 && live.size() > 1) {
                    Client c = live.remove(rnd.nextInt(live.size()));
                    if (c.epoch > 0) {
                        c.epoch = -1;
                        heartbeat(h, "g", c);
                    }
                } else if (action == 2 && live.size() > 1) {
                    crashed.add(live.remove(rnd.nextInt(live.size())));
                } else if (action == 3) {
                    h.topics.add("u", 3 + rnd.nextInt(3));
                }
                for (Client c : live) {
                    if (rnd.nextInt(3) > 0) {
                        ConsumerGroupHeartbeatResponse r = heartbeat(h, "g", c);
                        assertTrue(r.errorCode() == 0 || r.errorCode() == ErrorCode.UNKNOWN_MEMBER_ID.code()
                                || r.errorCode() == ErrorCode.FENCED_MEMBER_EPOCH.code(), "seed " + seed + ": " + r);
                    }
                }
                assertDisjoint(live);
            }
            // Quiesce: everyone heartbeats until crashed members time out and the group settles.
            for (int round = 0; round < 40; round++) {
                h.scheduler.advance(500);
                for (Client c : live) {
                    heartbeat(h, "g", c);
                }
                assertDisjoint(live);
            }
            int total = 6 + h.topics.topic("u").numPartitions();
            boolean anyU = live.stream().anyMatch(c -> c.topics.contains("u"));
            int expected = anyU ? total : 6;
            assertEquals(expected, live.stream().mapToInt(Client::count).sum(), "seed " + seed);
            assertEquals("Stable", describe(h, "g").groupState(), "seed " + seed);
            // And the state replays to the same thing.
            String before = h.state();
            assertEquals(before, h.restart().state(), "seed " + seed);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }

    private static ConsumerGroupDescribeResponse.DescribedGroup describe(Harness h, String group) {
        return done(h.coordinator.consumerGroupDescribe(Harness.v(1),
                new ConsumerGroupDescribeRequest().setGroupIds(new ArrayList<>(List.of(group))))).groups().get(0);
    }
}
