package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.DeleteGroupsResponse;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.ListGroupsRequest;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetDeleteResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OffsetsAndAdminTest {

    private static String stable(Harness h, String group) {
        JoinGroupResponse j = done(h.joinNew(group));
        done(h.sync(group, j.memberId(), j.generationId(), Map.of(j.memberId(), new byte[]{1})));
        return j.memberId();
    }

    @Test
    void simpleCommitCreatesAGroupAndFetchReturnsIt() {
        Harness h = new Harness();
        assertEquals(0, h.commit("simple", "", -1, "orders", 2, 120, "meta"));
        assertEquals(120, h.committed("simple", "orders", 2));
        assertEquals(-1, h.committed("simple", "orders", 3), "unknown partitions answer -1");
        assertEquals(-1, h.committed("nobody", "orders", 2), "unknown groups answer -1");
        // v1 layout: one group, partitions in the old structs.
        OffsetFetchRequest v1 = new OffsetFetchRequest().setGroupId("simple");
        v1.topics().add(new OffsetFetchRequest.OffsetFetchRequestTopic().setName("orders")
                .setPartitionIndexes(new ArrayList<>(List.of(2))));
        OffsetFetchResponse r = done(h.coordinator.fetchOffsets(Harness.v(1), v1));
        assertEquals(120, r.topics().get(0).partitions().get(0).committedOffset());
        assertEquals("meta", r.topics().get(0).partitions().get(0).metadata());
        // v8: several groups in one request; null topics = everything committed.
        OffsetFetchRequest v8 = new OffsetFetchRequest();
        v8.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId("simple").setTopics(null));
        v8.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId("other").setTopics(null));
        OffsetFetchResponse r8 = done(h.coordinator.fetchOffsets(Harness.v(8), v8));
        assertEquals(2, r8.groups().size());
        assertEquals(120, r8.groups().get(0).topics().get(0).partitions().get(0).committedOffset());
        assertEquals(0, r8.groups().get(1).topics().size());
    }

    @Test
    void commitChecksGenerationMemberAndMetadataSize() {
        Harness h = new Harness(Map.of("offset.metadata.max.bytes", "4"));
        String m = stable(h, "g");
        assertEquals(0, h.commit("g", m, 1, "t", 0, 10));
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), h.commit("g", "ghost", 1, "t", 0, 11));
        assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), h.commit("g", m, 0, "t", 0, 11));
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), h.commit("g", "", -1, "t", 0, 11),
                "a simple commit to a group with members");
        assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), h.commit("missing", "m", 3, "t", 0, 11));
        assertEquals(ErrorCode.OFFSET_METADATA_TOO_LARGE.code(), h.commit("g", m, 1, "t", 0, 11, "12345"));
        assertEquals(ErrorCode.INVALID_GROUP_ID.code(), h.commit("", "", -1, "t", 0, 11));
        assertEquals(10, h.committed("g", "t", 0), "refused commits change nothing");
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterRetention() {
        Harness h = new Harness(Map.of("offsets.retention.minutes", "1"));
        h.commit("simple", "", -1, "t", 0, 5);
        String m = stable(h, "active");
        h.commit("active", m, 1, "t", 0, 9);
        for (int i = 0; i < 14; i++) {
            h.scheduler.advance(5_000);
            h.heartbeat("active", m, 1);
        }
        assertEquals(0, h.heartbeat("active", m, 1));
        h.coordinator.expireOffsetsNow();
        assertEquals(-1, h.committed("simple", "t", 0));
        assertEquals(9, h.committed("active", "t", 0), "a group that consumes the topic keeps its offsets");
        assertTrue(!h.state().contains("classic simple"), "the empty group went with its offsets");
    }

    @Test
    void offsetDeleteRefusesSubscribedTopics() {
        Harness h = new Harness();
        String m = stable(h, "g");
        h.commit("g", m, 1, "t", 0, 1);
        h.commit("g", m, 1, "other", 0, 2);
        OffsetDeleteRequest req = new OffsetDeleteRequest().setGroupId("g");
        for (String topic : List.of("t", "other")) {
            req.topics().add(new OffsetDeleteRequest.OffsetDeleteRequestTopic().setName(topic).setPartitions(
                    new ArrayList<>(List.of(new OffsetDeleteRequest.OffsetDeleteRequestPartition()))));
        }
        OffsetDeleteResponse r = done(h.coordinator.deleteOffsets(Harness.v(0), req));
        assertEquals(0, r.errorCode());
        assertEquals(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC.code(), r.topics().get(0).partitions().get(0).errorCode());
        assertEquals(0, r.topics().get(1).partitions().get(0).errorCode());
        assertEquals(1, h.committed("g", "t", 0));
        assertEquals(-1, h.committed("g", "other", 0));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(),
                done(h.coordinator.deleteOffsets(Harness.v(0), new OffsetDeleteRequest().setGroupId("x")))
                        .errorCode());
    }

    @Test
    void listDescribeAndDeleteGroups() {
        Harness h = new Harness();
        stable(h, "busy");
        h.commit("idle", "", -1, "t", 0, 3);
        ListGroupsResponse all = done(h.coordinator.listGroups(Harness.v(5), new ListGroupsRequest()));
        assertEquals(2, all.groups().size());
        ListGroupsRequest stableOnly = new ListGroupsRequest();
        stableOnly.statesFilter().add("stable");
        ListGroupsResponse filtered = done(h.coordinator.listGroups(Harness.v(4), stableOnly));
        assertEquals(1, filtered.groups().size());
        assertEquals("busy", filtered.groups().get(0).groupId());
        assertEquals("consumer", filtered.groups().get(0).protocolType());
        ListGroupsRequest consumerType = new ListGroupsRequest();
        consumerType.typesFilter().add("consumer");
        assertEquals(0, done(h.coordinator.listGroups(Harness.v(5), consumerType)).groups().size());

        DescribeGroupsResponse d = done(h.coordinator.describeGroups(Harness.v(6),
                new DescribeGroupsRequest().setGroups(new ArrayList<>(List.of("busy", "nope")))));
        assertEquals("Stable", d.groups().get(0).groupState());
        assertEquals("range", d.groups().get(0).protocolData());
        assertEquals(1, d.groups().get(0).members().size());
        assertEquals("client", d.groups().get(0).members().get(0).clientId());
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(), d.groups().get(1).errorCode());
        DescribeGroupsResponse old = done(h.coordinator.describeGroups(Harness.v(5),
                new DescribeGroupsRequest().setGroups(new ArrayList<>(List.of("nope")))));
        assertEquals(0, old.groups().get(0).errorCode());
        assertEquals("Dead", old.groups().get(0).groupState());

        DeleteGroupsResponse del = done(h.coordinator.deleteGroups(Harness.v(2),
                new DeleteGroupsRequest().setGroupsNames(new ArrayList<>(List.of("busy", "idle", "nope")))));
        assertEquals(ErrorCode.NON_EMPTY_GROUP.code(), del.results().get(0).errorCode());
        assertEquals(0, del.results().get(1).errorCode());
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(), del.results().get(2).errorCode());
        assertEquals(-1, h.committed("idle", "t", 0));
        // Deletions survive a restart (tombstones).
        Harness h2 = h.restart();
        assertEquals(-1, h2.committed("idle", "t", 0));
        assertEquals(1, done(h2.coordinator.listGroups(Harness.v(5), new ListGroupsRequest())).groups().size());
    }
}
