package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.ListGroupsRequest;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What the coordinator does with hostile or careless input: a group whose record would not fit in a batch,
 * JoinGroup storms over many group ids that never complete, and empty groups left without offsets. Healthy
 * groups of the same partition keep their state throughout.
 */
class GroupBadInputTest {

    private static List<String> listed(Harness h) {
        ListGroupsResponse r = done(h.coordinator.listGroups(Harness.v(4), new ListGroupsRequest()));
        List<String> out = new ArrayList<>();
        r.groups().forEach(g -> out.add(g.groupId()));
        return out;
    }

    /** A stable single-member group with one committed offset; returns its member id. */
    private static String healthy(Harness h, String group, long offset) {
        JoinGroupResponse j = done(h.joinNew(group));
        assertEquals(0, j.errorCode());
        assertEquals(0, done(h.sync(group, j.memberId(), j.generationId(), Map.of(j.memberId(), new byte[]{1})))
                .errorCode());
        assertEquals(0, h.commit(group, j.memberId(), j.generationId(), "t", 0, offset));
        return j.memberId();
    }

    @Test
    void anAssignmentTooLargeToStoreIsRefusedWithoutTouchingOtherGroups() {
        Harness h = new Harness(Map.of("message.max.bytes", "10000"));
        String member = healthy(h, "healthy", 42);
        int appendsBefore = h.partitions.appends;

        byte[] blob = new byte[20_000];
        JoinGroupResponse first = done(h.join("huge", "", null, 7, "range", blob));
        assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), first.errorCode());
        JoinGroupResponse j = done(h.join("huge", first.memberId(), null, 7, "range", blob));
        assertEquals(0, j.errorCode(), "the join itself is accepted: the blob is bounded by the request size");
        assertEquals(blob.length, j.members().get(0).metadata().length);
        SyncGroupResponse s = done(h.sync("huge", j.memberId(), j.generationId(),
                Map.of(j.memberId(), new byte[]{7})));

        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR.code(), s.errorCode(), "Kafka's answer to RECORD_LIST_TOO_LARGE");
        assertEquals(0, s.assignment().length);
        for (int i = appendsBefore; i < h.partitions.records(0).size(); i++) {
            assertTrue(h.partitions.records(0).get(i).value() == null
                    || h.partitions.records(0).get(i).value().length < 10_000, "no oversized record was written");
        }
        assertTrue(h.state().contains("classic huge PreparingRebalance"), h.state());
        // The healthy member of the same partition still heartbeats in its generation.
        assertEquals(0, h.heartbeat("healthy", member, 1));
        assertEquals(42, h.committed("healthy", "t", 0));
        h = h.restart();
        assertEquals(42, h.committed("healthy", "t", 0), "the healthy group's offsets replay");
    }

    @Test
    void joinsThatNeverComeBackLeaveNoGroupBehind() {
        Harness h = new Harness();
        List<CompletableFuture<JoinGroupResponse>> joins = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            joins.add(h.join("storm-" + i, "", null, 9));
        }
        for (CompletableFuture<JoinGroupResponse> f : joins) {
            assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), done(f).errorCode(), "every join is answered");
        }
        assertEquals(200, listed(h).size());
        h.scheduler.advance(6_001);
        assertEquals(List.of(), listed(h), "pending members expired with their session timeout");
        assertEquals(0, h.partitions.records(0).size(), "nothing was ever written for them");
    }

    @Test
    void aJoinStormIsCappedByTheGroupMaxSizeAndEveryJoinIsAnswered() {
        Harness h = new Harness(Map.of("group.max.size", "30"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            JoinGroupResponse r = done(h.join("crowd", "", null, 9));
            assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), r.errorCode());
            ids.add(r.memberId());
        }
        List<CompletableFuture<JoinGroupResponse>> joins = new ArrayList<>();
        for (String id : ids) {
            joins.add(h.join("crowd", id, null, 9));
        }
        int joined = 0;
        int refused = 0;
        int leaders = 0;
        for (CompletableFuture<JoinGroupResponse> f : joins) {
            JoinGroupResponse r = done(f);
            if (r.errorCode() == ErrorCode.GROUP_MAX_SIZE_REACHED.code()) {
                refused++;
            } else {
                assertEquals(0, r.errorCode());
                assertEquals(1, r.generationId());
                joined++;
                if (r.leader().equals(r.memberId())) {
                    leaders++;
                    assertEquals(30, r.members().size());
                }
            }
        }
        assertEquals(30, joined, "the refused pending members did not hold the rebalance back");
        assertEquals(10, refused);
        assertEquals(1, leaders);
        assertEquals(ErrorCode.GROUP_MAX_SIZE_REACHED.code(), done(h.join("crowd", "", null, 9)).errorCode());
    }

    @Test
    void cleanupForgetsEmptyGroupsWithoutOffsets() {
        Harness h = new Harness();
        String m = healthy(h, "keeps", 5);
        JoinGroupResponse j = done(h.joinNew("leaves"));
        done(h.sync("leaves", j.memberId(), 1, Map.of()));
        h.coordinator.leaveGroup(Harness.v(4), new io.samsa.wire.message.LeaveGroupRequest().setGroupId("leaves")
                .setMembers(new ArrayList<>(List.of(new io.samsa.wire.message.LeaveGroupRequest.MemberIdentity()
                        .setMemberId(j.memberId())))));
        assertTrue(listed(h).contains("leaves"));
        h.coordinator.expireOffsetsNow();
        assertEquals(List.of("keeps"), listed(h));
        assertEquals(0, h.heartbeat("keeps", m, 1));
        h = h.restart();
        assertEquals(List.of("keeps"), listed(h), "the removal was written");
        assertFalse(h.state().contains("leaves"));
    }

    @Test
    void aPartitionInSamsasPreviousFormatIsRefused() {
        InMemoryPartitions parts = new InMemoryPartitions();
        // Before issue 10: key = int16 type 100 (an offset), then length-prefixed group, topic and partition.
        byte[] oldKey = {0, 100, 0, 0, 0, 1, 'g', 0, 0, 0, 1, 't', 0, 0, 0, 0};
        parts.append(0, List.of(new CoordinatorRecord(oldKey, new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 5})));
        Harness h = new Harness(Harness.config(Map.of()), parts, new FakeTopics());
        assertEquals(false, done(h.coordinator.isActive(0)), "the partition is not served");
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), done(h.join("g", "", null, 7)).errorCode());
        assertEquals(1, parts.records(0).size(), "nothing was written over it");
    }
}
