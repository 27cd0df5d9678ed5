package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * State is what the records say. Random group operations over a few groups, both protocols: classic joins (v3, v7
 * with KIP-394 member ids, static v9), syncs, heartbeats, leaves and static restarts; KIP-848 joins, heartbeats,
 * leaves, temporary static leaves and static rejoins; offset commits (with and without an expiry), offset deletes,
 * DeleteGroups; time passing (session, rebalance and revocation timeouts, offset expiry every 5 s after one minute
 * of retention); topics growing; writes failing. After every step a fresh coordinator loads the written records and
 * must find the same state: all of it for consumer groups and offsets; for classic groups, those at rest (a
 * rebalance in progress lives in memory, as in Kafka). At the end everything is brought to rest and the whole state
 * must match a restart. A failure names its seed; {@code -Dreplay.seed=N} runs only that one, {@code
 * -Dreplay.seeds=N} runs seeds 1 to N (25 by default).
 */
class GroupReplayPropertyTest {
    private static final String[] GROUPS = {"alpha", "beta", "gamma", "delta"};
    private static final int STEPS = 300;

    /** A classic protocol client: its member id, its generation, and the requests it has in flight. */
    private static final class ClassicClient {
        final String group;
        final String instanceId;
        String memberId = "";
        int generation = -1;
        boolean leader;
        List<String> members = List.of();
        CompletableFuture<JoinGroupResponse> join;
        CompletableFuture<SyncGroupResponse> sync;

        ClassicClient(String group, String instanceId) {
            this.group = group;
            this.instanceId = instanceId;
        }
    }

    /** A KIP-848 client: what it owns, reported on every heartbeat, so that it revokes at once. */
    private static final class ConsumerClient {
        final String group;
        final String instanceId;
        String memberId = UUID.randomUUID().toString();
        int epoch;
        List<String> topics;
        TreeMap<UUID, TreeSet<Integer>> owned = new TreeMap<>();

        ConsumerClient(String group, String instanceId, List<String> topics) {
            this.group = group;
            this.instanceId = instanceId;
            this.topics = topics;
        }
    }

    @Test
    void aFreshLoadOfTheRecordsFindsTheSameState() {
        Long only = Long.getLong("replay.seed");
        long seeds = Long.getLong("replay.seeds", 25);
        for (long seed = only == null ? 1 : only; seed <= (only == null ? seeds : only); seed++) {
            try {
                run(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + " (-Dreplay.seed=" + seed + "): " + e.getMessage(), e);
            }
        }
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        Harness h = new Harness(Map.of("offsets.retention.minutes", "1",
                "offsets.retention.check.interval.ms", "5000", "group.initial.rebalance.delay.ms", "0"));
        h.topics.add("t", 4);
        h.topics.add("u", 2);
        List<ClassicClient> classic = new ArrayList<>();
        List<ConsumerClient> consumers = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            boolean fail = rnd.nextInt(40) == 0;
            h.partitions.failWith = fail ? ErrorCode.NOT_ENOUGH_REPLICAS : null;
            int action = rnd.nextInt(100);
            if (action < 30) {
                classicStep(h, rnd, classic);
            } else if (action < 60) {
                consumerStep(h, rnd, consumers);
            } else if (action < 75) {
                offsetStep(h, rnd);
            } else if (action < 77) {
                String group = pick(rnd, GROUPS);
                done(h.coordinator.deleteGroups(Harness.v(2), new DeleteGroupsRequest()
                        .setGroupsNames(new ArrayList<>(List.of(group)))));
            } else if (action < 79) {
                h.topics.add("u", h.topics.topic("u").numPartitions() + 1);
            } else {
                h.scheduler.advance(rnd.nextInt(10) == 0 ? 8_000 + rnd.nextInt(60_000) : rnd.nextInt(2_000));
            }
            h.partitions.failWith = null;
            assertReplaysAlike(h, "step " + step);
        }
        // At rest: every member's session ends and every rebalance completes (before the offsets expire)...
        for (int i = 0; i < 10; i++) {
            h.scheduler.advance(3_000);
        }
        for (String group : GROUPS) {
            assertEquals(0, h.commit(group, "", -1, "t", 0, 1), "every group is empty now");
        }
        String live = h.state();
        assertTrue(!live.contains("PreparingRebalance") && !live.contains("CompletingRebalance"), live);
        assertEquals(live, fresh(h).state(), "at rest");
        // ... then the cleanup drops empty groups without offsets, and a restart finds the same.
        h.coordinator.expireOffsetsNow();
        live = h.state();
        assertEquals(live, h.restart().state(), "after a restart");
    }

    // ---- classic protocol

    private static void classicStep(Harness h, Random rnd, List<ClassicClient> clients) {
        if (clients.isEmpty() || rnd.nextInt(6) == 0) {
            clients.add(new ClassicClient(pick(rnd, GROUPS), rnd.nextInt(3) == 0 ? "inst-" + rnd.nextInt(4) : null));
        }
        ClassicClient c = clients.get(rnd.nextInt(clients.size()));
        absorb(c);
        switch (rnd.nextInt(8)) {
            case 0, 1 -> {
                if (c.join == null) {
                    c.join = h.coordinator.joinGroup(Harness.v(c.instanceId != null ? 9 : rnd.nextBoolean() ? 7 : 3),
                            joinRequest(c, rnd));
                }
            }
            case 2, 3 -> {
                if (c.sync == null && c.generation >= 0) {
                    SyncGroupRequest req = new SyncGroupRequest().setGroupId(c.group).setMemberId(c.memberId)
                            .setGenerationId(c.generation).setGroupInstanceId(c.instanceId);
                    if (c.leader) {
                        for (String m : c.members) {
                            req.assignments().add(new SyncGroupRequest.SyncGroupRequestAssignment().setMemberId(m)
                                    .setAssignment(new byte[]{(byte) rnd.nextInt(100)}));
                        }
                    }
                    c.sync = h.coordinator.syncGroup(Harness.v(5), req);
                }
            }
            case 4 -> done(h.coordinator.heartbeat(Harness.v(4), new HeartbeatRequest().setGroupId(c.group)
                    .setMemberId(c.memberId).setGenerationId(c.generation).setGroupInstanceId(c.instanceId)));
            case 5 -> h.commit(c.group, c.memberId, c.generation, "t", rnd.nextInt(4), rnd.nextInt(1000));
            case 6 -> {
                LeaveGroupRequest req = new LeaveGroupRequest().setGroupId(c.group);
                req.members().add(new LeaveGroupRequest.MemberIdentity().setMemberId(c.memberId)
                        .setGroupInstanceId(c.instanceId));
                done(h.coordinator.leaveGroup(Harness.v(4), req));
                clients.remove(c);
            }
            default -> {
                // The process dies (its session runs out), or a static member restarts under a new member id.
                clients.remove(c);
                if (c.instanceId != null) {
                    clients.add(new ClassicClient(c.group, c.instanceId));
                }
            }
        }
    }

    private static JoinGroupRequest joinRequest(ClassicClient c, Random rnd) {
        JoinGroupRequest req = new JoinGroupRequest().setGroupId(c.group).setMemberId(c.memberId)
                .setGroupInstanceId(c.instanceId).setSessionTimeoutMs(6000).setRebalanceTimeoutMs(8000)
                .setProtocolType("consumer");
        List<String> protocols = rnd.nextInt(4) == 0 ? List.of("roundrobin", "range") : List.of("range");
        for (String p : protocols) {
            req.protocols().add(new JoinGroupRequest.JoinGroupRequestProtocol().setName(p)
                    .setMetadata(Harness.subscription(rnd.nextBoolean() ? "t" : "u")));
        }
        return req;
    }

    /** Takes in whatever answers arrived. */
    private static void absorb(ClassicClient c) {
        if (c.join != null && c.join.isDone()) {
            JoinGroupResponse r = c.join.join();
            c.join = null;
            if (r.errorCode() == 0) {
                c.memberId = r.memberId();
                c.generation = r.generationId();
                c.leader = r.memberId().equals(r.leader());
                c.members = r.members().stream().map(JoinGroupResponse.JoinGroupResponseMember::memberId).toList();
            } else if (r.errorCode() == ErrorCode.MEMBER_ID_REQUIRED.code()) {
                c.memberId = r.memberId();
            } else if (r.errorCode() == ErrorCode.UNKNOWN_MEMBER_ID.code()
                    || r.errorCode() == ErrorCode.FENCED_INSTANCE_ID.code()) {
                c.memberId = "";
                c.generation = -1;
            }
        }
        if (c.sync != null && c.sync.isDone()) {
            c.sync = null;
        }
    }

    // ---- KIP-848

    private static void consumerStep(Harness h, Random rnd, List<ConsumerClient> clients) {
        if (clients.isEmpty() || rnd.nextInt(6) == 0) {
            clients.add(new ConsumerClient(pick(rnd, GROUPS), rnd.nextInt(3) == 0 ? "static-" + rnd.nextInt(3) : null,
                    rnd.nextBoolean() ? List.of("t") : List.of("t", "u")));
        }
        ConsumerClient c = clients.get(rnd.nextInt(clients.size()));
        int action = rnd.nextInt(10);
        if (action < 7) {
            heartbeat(h, c, c.epoch);
        } else if (action == 7) {
            heartbeat(h, c, -1);
            clients.remove(c);
        } else if (action == 8 && c.instanceId != null && c.epoch > 0) {
            // A static member leaves for a moment and comes back as a new incarnation.
            heartbeat(h, c, -2);
            c.memberId = UUID.randomUUID().toString();
            c.epoch = 0;
            c.owned.clear();
        } else {
            c.topics = rnd.nextBoolean() ? List.of("t") : List.of("t", "u");
            c.epoch = c.epoch == 0 ? 0 : c.epoch;
            heartbeat(h, c, c.epoch);
        }
    }

    private static void heartbeat(Harness h, ConsumerClient c, int epoch) {
        ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(c.group)
                .setMemberId(c.memberId).setMemberEpoch(epoch).setInstanceId(c.instanceId).setRebalanceTimeoutMs(4000)
                .setSubscribedTopicNames(new ArrayList<>(c.topics));
        if (epoch == 0) {
            req.setTopicPartitions(new ArrayList<>());
        } else if (epoch > 0) {
            List<ConsumerGroupHeartbeatRequest.TopicPartitions> tps = new ArrayList<>();
            c.owned.forEach((t, ps) -> tps.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(t)
                    .setPartitions(new ArrayList<>(ps))));
            req.setTopicPartitions(tps);
        }
        ConsumerGroupHeartbeatResponse r = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1), req));
        if (r.errorCode() == 0 && epoch >= 0) {
            c.epoch = r.memberEpoch();
            if (r.assignment() != null) {
                c.owned.clear();
                r.assignment().topicPartitions().forEach(tp -> c.owned.put(tp.topicId(),
                        new TreeSet<>(tp.partitions())));
            }
        } else if (r.errorCode() != 0) {
            c.epoch = 0;
            c.owned.clear();
        }
    }

    // ---- offsets

    private static void offsetStep(Harness h, Random rnd) {
        String group = pick(rnd, GROUPS);
        int action = rnd.nextInt(5);
        if (action < 3) {
            h.commit(group, "", -1, rnd.nextBoolean() ? "t" : "u", rnd.nextInt(3), rnd.nextInt(1000));
        } else if (action == 3) {
            // OffsetCommit v2 with a retention time: the record carries its own expiry (value v1).
            OffsetCommitRequest req = new OffsetCommitRequest().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setRetentionTimeMs(rnd.nextInt(30_000));
            req.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName("t").setPartitions(
                    new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                            .setPartitionIndex(rnd.nextInt(3)).setCommittedOffset(rnd.nextInt(1000))
                            .setCommittedMetadata("")))));
            done(h.coordinator.commitOffsets(Harness.v(2), req));
        } else {
            OffsetDeleteRequest req = new OffsetDeleteRequest().setGroupId(group);
            req.topics().add(new OffsetDeleteRequest.OffsetDeleteRequestTopic().setName(rnd.nextBoolean() ? "t" : "u")
                    .setPartitions(new ArrayList<>(List.of(new OffsetDeleteRequest.OffsetDeleteRequestPartition()
                            .setPartitionIndex(rnd.nextInt(3))))));
            done(h.coordinator.deleteOffsets(Harness.v(0), req));
        }
    }

    // ---- checks

    /** A coordinator that has only the written records to go by. */
    private static Harness fresh(Harness h) {
        return new Harness(h.config, h.partitions, h.topics);
    }

    /**
     * The live state and a fresh load agree on every consumer group, every offset and every classic group at rest;
     * the fresh load knows no group the live one does not. A classic group in a rebalance, or one that only pending
     * (KIP-394) members ever joined, lives in memory only.
     */
    private static void assertReplaysAlike(Harness h, String when) {
        Harness f = fresh(h);
        Map<String, String> live = lines(h.state());
        Map<String, String> loaded = lines(f.state());
        f.coordinator.close();
        for (Map.Entry<String, String> e : live.entrySet()) {
            String line = e.getValue();
            boolean inMemory = line.startsWith("classic ") && (line.contains(" PreparingRebalance ")
                    || line.contains(" CompletingRebalance ")
                    || line.contains(" Empty gen=0 ") && !loaded.containsKey(e.getKey()));
            if (!inMemory) {
                assertEquals(line, loaded.get(e.getKey()), when);
            }
        }
        for (String key : loaded.keySet()) {
            assertTrue(live.containsKey(key), when + ": the records know " + key + " but memory does not");
        }
    }

    /** describeState's lines by what they describe ("classic g", "consumer g", "offsets g"). */
    private static Map<String, String> lines(String state) {
        Map<String, String> out = new TreeMap<>();
        for (String line : state.split("\n")) {
            if (!line.isEmpty()) {
                String[] words = line.split(" ", 3);
                out.put((words[0].equals("offsets") ? "offsets " : "group ") + words[1], line);
            }
        }
        return out;
    }

    private static String pick(Random rnd, String[] values) {
        return values[rnd.nextInt(values.length)];
    }
}
