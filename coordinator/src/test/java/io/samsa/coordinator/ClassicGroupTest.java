package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ClassicGroupTest {
    private static final byte[] A1 = {1};
    private static final byte[] A2 = {2};

    private static short code(ErrorCode e) {
        return e.code();
    }

    private String describeState(Harness h, String group) {
        DescribeGroupsResponse r = done(h.coordinator.describeGroups(Harness.v(5),
                new DescribeGroupsRequest().setGroups(new ArrayList<>(List.of(group)))));
        return r.groups().get(0).groupState();
    }

    /** One member joined and synced; returns its member id. Generation 1. */
    private String stableSingle(Harness h, String group) {
        JoinGroupResponse j = done(h.joinNew(group));
        assertEquals(0, j.errorCode());
        assertEquals(1, j.generationId());
        assertEquals(j.memberId(), j.leader());
        assertEquals(1, j.members().size());
        SyncGroupResponse s = done(h.sync(group, j.memberId(), 1, Map.of(j.memberId(), A1)));
        assertEquals(0, s.errorCode());
        assertArrayEquals(A1, s.assignment());
        assertEquals("Stable", describeState(h, group));
        return j.memberId();
    }

    @Test
    void firstJoinNeedsAMemberIdFromV4() {
        Harness h = new Harness();
        JoinGroupResponse r = done(h.join("g", "", null, 4));
        assertEquals(code(ErrorCode.MEMBER_ID_REQUIRED), r.errorCode());
        assertTrue(r.memberId().startsWith("client-"));
        // Before v4 the member is admitted at once.
        JoinGroupResponse old = done(h.join("g2", "", null, 3));
        assertEquals(0, old.errorCode());
        assertEquals(1, old.generationId());
    }

    @Test
    void invalidJoinsAreRefusedWithTheirCodes() {
        Harness h = new Harness();
        assertEquals(code(ErrorCode.INVALID_GROUP_ID), done(h.join("", "", null, 7)).errorCode());
        assertEquals(code(ErrorCode.UNKNOWN_MEMBER_ID), done(h.join("nogroup", "m-1", null, 7)).errorCode());
        var tooShort = new io.samsa.wire.message.JoinGroupRequest().setGroupId("g").setMemberId("")
                .setSessionTimeoutMs(10).setProtocolType("consumer");
        tooShort.protocols().add(new io.samsa.wire.message.JoinGroupRequest.JoinGroupRequestProtocol()
                .setName("range").setMetadata(new byte[0]));
        assertEquals(code(ErrorCode.INVALID_SESSION_TIMEOUT),
                done(h.coordinator.joinGroup(Harness.v(7), tooShort)).errorCode());
        stableSingle(h, "g");
        // A member speaking another assignor only: no common protocol.
        assertEquals(code(ErrorCode.INCONSISTENT_GROUP_PROTOCOL),
                done(h.join("g", "", null, 7, "roundrobin", Harness.subscription("t"))).errorCode());
        assertFalse(h.state().contains("nogroup"), "a refused join leaves no group behind");
    }

    @Test
    void secondMemberTriggersARebalanceThatCompletesWhenAllRejoin() {
        Harness h = new Harness();
        String a = stableSingle(h, "g");
        CompletableFuture<JoinGroupResponse> bJoin = h.joinNew("g");
        assertFalse(bJoin.isDone(), "B waits for A to rejoin");
        assertEquals("PreparingRebalance", describeState(h, "g"));
        assertEquals(code(ErrorCode.REBALANCE_IN_PROGRESS), h.heartbeat("g", a, 1));
        // A commit from the old generation is still accepted while preparing (cooperative rebalancing).
        assertEquals(0, h.commit("g", a, 1, "t", 0, 5));
        JoinGroupResponse aj = done(h.join("g", a, null, 7));
        JoinGroupResponse bj = done(bJoin);
        assertEquals(2, aj.generationId());
        assertEquals(2, bj.generationId());
        assertEquals(a, aj.leader());
        assertEquals(2, aj.members().size(), "the leader gets the members");
        assertEquals(0, bj.members().size());
        assertEquals("CompletingRebalance", describeState(h, "g"));
        assertEquals(code(ErrorCode.REBALANCE_IN_PROGRESS), h.commit("g", a, 2, "t", 0, 6));
        CompletableFuture<SyncGroupResponse> bSync = h.sync("g", bj.memberId(), 2, Map.of());
        assertFalse(bSync.isDone(), "followers wait for the leader's assignment");
        SyncGroupResponse as = done(h.sync("g", a, 2, Map.of(a, A1, bj.memberId(), A2)));
        assertArrayEquals(A1, as.assignment());
        assertArrayEquals(A2, done(bSync).assignment());
        assertEquals(0, h.heartbeat("g", a, 2));
        assertEquals(code(ErrorCode.ILLEGAL_GENERATION), h.heartbeat("g", a, 1));
        assertEquals(code(ErrorCode.UNKNOWN_MEMBER_ID), h.heartbeat("g", "stranger", 2));
        assertEquals(code(ErrorCode.ILLEGAL_GENERATION),
                done(h.sync("g", a, 1, Map.of())).errorCode());
        assertEquals("Stable", describeState(h, "g"));
    }

    @Test
    void sessionExpiryRemovesTheMemberAndRebalances() {
        Harness h = new Harness();
        String a = stableSingle(h, "g");
        CompletableFuture<JoinGroupResponse> bJoin = h.joinNew("g");
        done(h.join("g", a, null, 7));
        JoinGroupResponse bj = done(bJoin);
        done(h.sync("g", a, 2, Map.of(a, A1, bj.memberId(), A2)));
        done(h.sync("g", bj.memberId(), 2, Map.of()));
        // A keeps heartbeating; B goes silent past its 6 s session.
        for (int i = 0; i < 4; i++) {
            h.scheduler.advance(2000);
            h.heartbeat("g", a, 2);
        }
        assertEquals("PreparingRebalance", describeState(h, "g"));
        JoinGroupResponse again = done(h.join("g", a, null, 7));
        assertEquals(3, again.generationId());
        assertEquals(1, again.members().size());
        assertEquals(code(ErrorCode.UNKNOWN_MEMBER_ID), h.heartbeat("g", bj.memberId(), 3));
    }

    @Test
    void batchedLeaveReportsPerMemberErrors() {
        Harness h = new Harness();
        String a = stableSingle(h, "g");
        LeaveGroupRequest req = new LeaveGroupRequest().setGroupId("g");
        req.members().add(new LeaveGroupRequest.MemberIdentity().setMemberId(a));
        req.members().add(new LeaveGroupRequest.MemberIdentity().setMemberId("ghost"));
        LeaveGroupResponse r = done(h.coordinator.leaveGroup(Harness.v(4), req));
        assertEquals(0, r.errorCode());
        assertEquals(0, r.members().get(0).errorCode());
        assertEquals(code(ErrorCode.UNKNOWN_MEMBER_ID), r.members().get(1).errorCode());
        assertEquals("Empty", describeState(h, "g"));
        LeaveGroupResponse v0 = done(h.coordinator.leaveGroup(Harness.v(0),
                new LeaveGroupRequest().setGroupId("g").setMemberId(a)));
        assertEquals(code(ErrorCode.UNKNOWN_MEMBER_ID), v0.errorCode());
    }

    @Test
    void staticMemberRejoinsWithoutARebalance() {
        Harness h = new Harness();
        JoinGroupResponse j = done(h.join("g", "", "instance-1", 7));
        assertEquals(0, j.errorCode(), "static members skip MEMBER_ID_REQUIRED");
        done(h.sync("g", j.memberId(), 1, Map.of(j.memberId(), A1)));
        // The process restarts and rejoins with no member id, same instance id.
        JoinGroupResponse again = done(h.join("g", "", "instance-1", 9));
        assertEquals(0, again.errorCode());
        assertNotEquals(j.memberId(), again.memberId());
        assertEquals(1, again.generationId(), "no new generation");
        assertTrue(again.skipAssignment(), "v9: the leader keeps the current assignment");
        assertEquals("Stable", describeState(h, "g"));
        assertArrayEquals(A1, done(h.sync("g", again.memberId(), 1, Map.of())).assignment());
        assertEquals(code(ErrorCode.FENCED_INSTANCE_ID), h.heartbeat("g", j.memberId(), 1, "instance-1"));
        assertEquals(0, h.heartbeat("g", again.memberId(), 1, "instance-1"));
        assertEquals(code(ErrorCode.FENCED_INSTANCE_ID), done(h.join("g", j.memberId(), "instance-1", 7)).errorCode());
    }

    @Test
    void staticMemberRejoiningWithNewSubscriptionBytesKeepsTheGeneration() {
        Harness h = new Harness();
        JoinGroupResponse a = done(h.join("g", "", "instance-a", 9));
        CompletableFuture<JoinGroupResponse> joining = h.join("g", "", "instance-b", 9);
        JoinGroupResponse a2 = done(h.join("g", a.memberId(), "instance-a", 9));
        JoinGroupResponse b = done(joining);
        assertEquals(0, b.errorCode());
        int gen = a2.generationId();
        assertEquals(gen, b.generationId());
        assertEquals(a.memberId(), a2.leader());
        done(h.sync("g", a2.memberId(), gen, Map.of(a.memberId(), A1, b.memberId(), A2)));
        // A restarted consumer subscribes to the same topic but owns nothing yet: other bytes, same protocol.
        JoinGroupResponse again = done(h.join("g", "", "instance-b", 9, "range", Harness.subscription("t", "u")));
        assertEquals(0, again.errorCode());
        assertEquals(gen, again.generationId(), "no rebalance");
        assertEquals("Stable", describeState(h, "g"));
        assertArrayEquals(A2, done(h.sync("g", again.memberId(), gen, Map.of())).assignment());
        assertEquals(0, h.heartbeat("g", a.memberId(), gen, "instance-a"));
        // A protocol the other member does not speak is refused; the group stays as it is.
        JoinGroupResponse other = done(h.join("g", "", "instance-b", 9, "roundrobin", Harness.subscription("t")));
        assertEquals(code(ErrorCode.INCONSISTENT_GROUP_PROTOCOL), other.errorCode());
    }

    @Test
    void groupMaxSizeIsEnforced() {
        Harness h = new Harness(Map.of("group.max.size", "1"));
        stableSingle(h, "g");
        assertEquals(code(ErrorCode.GROUP_MAX_SIZE_REACHED), done(h.join("g", "", null, 7)).errorCode());
    }

    @Test
    void syncAnswersOnlyAfterTheAssignmentIsCommitted() {
        Harness h = new Harness();
        JoinGroupResponse j = done(h.joinNew("g"));
        h.partitions.autoCommit = false;
        CompletableFuture<SyncGroupResponse> s = h.sync("g", j.memberId(), 1, Map.of(j.memberId(), A1));
        assertFalse(s.isDone());
        assertEquals(1, h.partitions.pending());
        h.partitions.commitAll();
        assertArrayEquals(A1, done(s).assignment());
    }

    @Test
    void initialRebalanceDelayWaitsForMoreMembers() {
        Harness h = new Harness(Map.of("group.initial.rebalance.delay.ms", "3000"));
        CompletableFuture<JoinGroupResponse> a = h.joinNew("g");
        h.scheduler.advance(2000);
        CompletableFuture<JoinGroupResponse> b = h.joinNew("g");
        assertFalse(a.isDone());
        h.scheduler.advance(1000);
        assertFalse(a.isDone(), "a member joined during the delay: it is extended");
        h.scheduler.advance(3000);
        assertEquals(1, done(a).generationId());
        assertEquals(1, done(b).generationId());
    }

    @Test
    void requestsBeforeAndDuringLoadingGetCoordinatorErrors() {
        InMemoryPartitions parts = new InMemoryPartitions();
        CompletableFuture<Long> never = new CompletableFuture<>();
        Harness h = new Harness(Harness.config(Map.of("offsets.topic.num.partitions", "2")), parts, new FakeTopics());
        GroupCoordinator loading = new GroupCoordinator(h.config, h.clock, h.scheduler, Runnable::run, parts,
                (p, sink) -> never, h.topics);
        String group = "g";
        int p = loading.partitionFor(group);
        assertEquals(code(ErrorCode.NOT_COORDINATOR), done(loadingJoin(loading, group)).errorCode());
        loading.onElection(p, 0);
        assertEquals(code(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), done(loadingJoin(loading, group)).errorCode());
        loading.onResignation(p, 0);
        assertEquals(code(ErrorCode.NOT_COORDINATOR), done(loadingJoin(loading, group)).errorCode());
    }

    private static CompletableFuture<JoinGroupResponse> loadingJoin(GroupCoordinator c, String group) {
        var req = new io.samsa.wire.message.JoinGroupRequest().setGroupId(group).setMemberId("")
                .setSessionTimeoutMs(6000).setProtocolType("consumer");
        return c.joinGroup(Harness.v(7), req);
    }

    @Test
    void failedWriteFailsTheRequestAndReloadsCommittedState() {
        Harness h = new Harness();
        String a = stableSingle(h, "g");
        String before = h.state();
        CompletableFuture<JoinGroupResponse> b = h.joinNew("g");
        assertFalse(b.isDone());
        h.partitions.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
        assertEquals(code(ErrorCode.COORDINATOR_NOT_AVAILABLE), h.commit("g", a, 1, "t", 0, 1));
        h.partitions.failWith = null;
        // The partition was reloaded from what is committed: the parked join was answered, memory is as before.
        assertEquals(code(ErrorCode.NOT_COORDINATOR), done(b).errorCode());
        assertEquals(before, h.state());
        assertEquals(-1, h.committed("g", "t", 0));
        assertEquals(0, h.heartbeat("g", a, 1));
    }

    @Test
    void partitionForMatchesKafka() {
        // Kafka: Utils.abs(groupId.hashCode()) % n.
        assertEquals(Math.abs("my-group".hashCode()) % 50, GroupCoordinator.partitionFor("my-group", 50));
        String minHash = "polygenelubricants"; // hashCode() == Integer.MIN_VALUE
        assertEquals(Integer.MIN_VALUE, minHash.hashCode());
        assertEquals(0, GroupCoordinator.partitionFor(minHash, 7));
    }

    @Test
    void replayAfterRestartGivesTheSameState() {
        Harness h = new Harness();
        String a = stableSingle(h, "g");
        h.commit("g", a, 1, "t", 0, 42);
        h.commit("simple", "", -1, "t", 3, 7);
        JoinGroupResponse s = done(h.join("s", "", "inst", 7));
        done(h.sync("s", s.memberId(), 1, Map.of(s.memberId(), A2)));
        String before = h.state();
        Harness h2 = h.restart();
        assertEquals(before, h2.state());
        assertEquals(42, h2.committed("g", "t", 0));
        assertEquals(7, h2.committed("simple", "t", 3));
        // The stable member resumes without rejoining; the static member keeps its assignment.
        assertEquals(0, h2.heartbeat("g", a, 1));
        assertArrayEquals(A2, done(h2.sync("s", s.memberId(), 1, Map.of())).assignment());
    }
}
