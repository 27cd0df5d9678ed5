package io.samsa.server.handler.group;

import io.samsa.server.OfficialWire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.GroupCoordinator;
import io.samsa.server.EmbeddedBroker;
import io.samsa.wire.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input to the group APIs over the wire, encoded with the official client's message classes: empty group
 * ids, commits from unknown members and stale generations or epochs, a multi-megabyte protocol metadata blob
 * and a JoinGroup storm. Each gets its error code, every request is answered, and a healthy group in the same
 * coordinator partition keeps its members and committed offsets.
 */
@Timeout(60)
class GroupBadInputIT {
    private static final int OFFSETS_PARTITIONS = 5;
    private static final int MAX_GROUP_SIZE = 150;
    private static final short JOIN_V = 9;
    private static final short SYNC_V = 5;
    private static final short HEARTBEAT_V = 4;
    private static final short COMMIT_V = 9;
    private static final short FETCH_V = 9;

    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = GroupTestSupport.startBroker(Map.of("group.max.size", Integer.toString(MAX_GROUP_SIZE),
                "offsets.topic.num.partitions", Integer.toString(OFFSETS_PARTITIONS)));
        GroupTestSupport.createTopic(broker, "bad-input", 2);
        try (OfficialWire w = wire()) {
            awaitCoordinator(w);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static OfficialWire wire() throws Exception {
        return new OfficialWire(broker.port());
    }

    /** Waits until __consumer_offsets exists and every partition of it is loaded. */
    private static void awaitCoordinator(OfficialWire w) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int p = 0; p < OFFSETS_PARTITIONS; p++) {
            String group = groupIn(p, "probe-");
            while (true) {
                FindCoordinatorResponseData fc = new FindCoordinatorResponseData(new ByteBufferAccessor(w.send(
                        ApiKeys.FIND_COORDINATOR, (short) 4, new FindCoordinatorRequestData().setKeyType((byte) 0)
                                .setCoordinatorKeys(List.of(group)))), (short) 4);
                if (fc.coordinators().get(0).errorCode() == 0 && fetch(w, group, "t", 0).errorCode() == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("The coordinator of " + group + " never became available");
                }
                Thread.sleep(50);
            }
        }
    }

    /** A group id, starting with {@code prefix}, whose coordinator is {@code partition} of __consumer_offsets. */
    private static String groupIn(int partition, String prefix) {
        for (int i = 0; ; i++) {
            if (GroupCoordinator.partitionFor(prefix + i, OFFSETS_PARTITIONS) == partition) {
                return prefix + i;
            }
        }
    }

    private static JoinGroupRequestData join(String group, String memberId, byte[] metadata) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(20_000)
                .setRebalanceTimeoutMs(20_000).setProtocolType("consumer").setProtocols(protocols);
    }

    private static JoinGroupResponseData joinResponse(ByteBuffer b) {
        return new JoinGroupResponseData(new ByteBufferAccessor(b), JOIN_V);
    }

    private static JoinGroupResponseData sendJoin(OfficialWire w, String group, String memberId, byte[] md)
            throws Exception {
        return joinResponse(w.send(ApiKeys.JOIN_GROUP, JOIN_V, join(group, memberId, md)));
    }

    private static SyncGroupResponseData sync(OfficialWire w, String group, String memberId, int generation,
                                              byte[] assignment) throws Exception {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationId(generation).setProtocolType("consumer").setProtocolName("range");
        req.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId)
                .setAssignment(assignment));
        return new SyncGroupResponseData(new ByteBufferAccessor(w.send(ApiKeys.SYNC_GROUP, SYNC_V, req)), SYNC_V);
    }

    private static short heartbeat(OfficialWire w, String group, String memberId, int generation) throws Exception {
        return new HeartbeatResponseData(new ByteBufferAccessor(w.send(ApiKeys.HEARTBEAT, HEARTBEAT_V,
                new HeartbeatRequestData().setGroupId(group).setMemberId(memberId).setGenerationId(generation))),
                HEARTBEAT_V).errorCode();
    }

    private static short commit(OfficialWire w, String group, String memberId, int generationOrEpoch, String topic,
                                long offset) throws Exception {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generationOrEpoch);
        req.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(
                List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(offset))));
        OffsetCommitResponseData r = new OffsetCommitResponseData(new ByteBufferAccessor(
                w.send(ApiKeys.OFFSET_COMMIT, COMMIT_V, req)), COMMIT_V);
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    private static OffsetFetchResponseData.OffsetFetchResponseGroup fetch(OfficialWire w, String group, String topic,
                                                                         int partition) throws Exception {
        return fetch(w, group, topic, partition, null, -1);
    }

    private static OffsetFetchResponseData.OffsetFetchResponseGroup fetch(OfficialWire w, String group, String topic,
                                                                         int partition, String memberId,
                                                                         int memberEpoch) throws Exception {
        OffsetFetchRequestData req = new OffsetFetchRequestData();
        req.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setMemberId(memberId)
                .setMemberEpoch(memberEpoch).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                        .setName(topic).setPartitionIndexes(List.of(partition)))));
        return new OffsetFetchResponseData(new ByteBufferAccessor(w.send(ApiKeys.OFFSET_FETCH, FETCH_V, req)), FETCH_V)
                .groups().get(0);
    }

    private static long committed(OfficialWire w, String group, String topic) throws Exception {
        OffsetFetchResponseData.OffsetFetchResponseGroup g = fetch(w, group, topic, 0);
        assertEquals(0, g.errorCode());
        return g.topics().get(0).partitions().get(0).committedOffset();
    }

    /** A one-member classic group, stable in generation 1, with {@code offset} committed; returns the member. */
    private static String healthyGroup(OfficialWire w, String group, long offset) throws Exception {
        JoinGroupResponseData first = sendJoin(w, group, "", new byte[0]);
        assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), first.errorCode());
        JoinGroupResponseData j = sendJoin(w, group, first.memberId(), new byte[0]);
        assertEquals(0, j.errorCode());
        assertEquals(0, sync(w, group, j.memberId(), j.generationId(), new byte[0]).errorCode());
        assertEquals(0, commit(w, group, j.memberId(), j.generationId(), "bad-input", offset));
        return j.memberId();
    }

    @Test
    void emptyGroupIdsAreRefusedByEveryGroupApi() throws Exception {
        short invalid = ErrorCode.INVALID_GROUP_ID.code();
        try (OfficialWire w = wire()) {
            assertEquals(invalid, sendJoin(w, "", "", new byte[0]).errorCode());
            assertEquals(invalid, sync(w, "", "m", 1, new byte[0]).errorCode());
            assertEquals(invalid, heartbeat(w, "", "m", 1));
            LeaveGroupResponseData leave = new LeaveGroupResponseData(new ByteBufferAccessor(w.send(
                    ApiKeys.LEAVE_GROUP, (short) 5, new LeaveGroupRequestData().setGroupId("").setMembers(List.of(
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("m"))))), (short) 5);
            assertEquals(invalid, leave.errorCode());
            assertEquals(invalid, commit(w, "", "", -1, "bad-input", 1));
            assertEquals(invalid, fetch(w, "", "bad-input", 0).errorCode());
            DescribeGroupsResponseData described = new DescribeGroupsResponseData(new ByteBufferAccessor(w.send(
                    ApiKeys.DESCRIBE_GROUPS, (short) 5, new DescribeGroupsRequestData().setGroups(List.of("")))),
                    (short) 5);
            assertEquals(invalid, described.groups().get(0).errorCode());
            DeleteGroupsResponseData deleted = new DeleteGroupsResponseData(new ByteBufferAccessor(w.send(
                    ApiKeys.DELETE_GROUPS, (short) 2, new DeleteGroupsRequestData().setGroupsNames(List.of("")))),
                    (short) 2);
            assertEquals(invalid, deleted.results().iterator().next().errorCode());
            ConsumerGroupHeartbeatResponseData hb = new ConsumerGroupHeartbeatResponseData(new ByteBufferAccessor(
                    w.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 0, new ConsumerGroupHeartbeatRequestData()
                            .setGroupId("").setMemberId(UUID.randomUUID().toString()).setMemberEpoch(0)
                            .setRebalanceTimeoutMs(5000).setSubscribedTopicNames(List.of("bad-input")))), (short) 0);
            assertEquals(ErrorCode.INVALID_REQUEST.code(), hb.errorCode(), "KIP-848: an empty group id is invalid");
        }
    }

    @Test
    void commitsFromStrangersAndStaleGenerationsOrEpochsAreRefused() throws Exception {
        try (OfficialWire w = wire()) {
            String classic = groupIn(1, "stale-classic-");
            String member = healthyGroup(w, classic, 10);
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), commit(w, classic, "ghost", 1, "bad-input", 99));
            assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), commit(w, classic, member, 0, "bad-input", 99));
            assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), commit(w, classic, member, 2, "bad-input", 99));
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), commit(w, classic, "", -1, "bad-input", 99),
                    "a simple commit to a group that has members");
            assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), commit(w, groupIn(1, "never-joined-"), "m", 3,
                    "bad-input", 99), "a generation for a group that does not exist");
            assertEquals(10, committed(w, classic, "bad-input"), "refused commits change nothing");
            assertEquals(0, heartbeat(w, classic, member, 1), "the member is still in generation 1");

            String consumer = groupIn(1, "stale-consumer-");
            String memberId = UUID.randomUUID().toString();
            ConsumerGroupHeartbeatResponseData hb = new ConsumerGroupHeartbeatResponseData(new ByteBufferAccessor(
                    w.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 0, new ConsumerGroupHeartbeatRequestData()
                            .setGroupId(consumer).setMemberId(memberId).setMemberEpoch(0)
                            .setRebalanceTimeoutMs(5000).setSubscribedTopicNames(List.of("bad-input")))), (short) 0);
            assertEquals(0, hb.errorCode());
            int epoch = hb.memberEpoch();
            assertTrue(epoch > 0, "epoch " + epoch);
            assertEquals(0, commit(w, consumer, memberId, epoch, "bad-input", 20));
            assertEquals(ErrorCode.STALE_MEMBER_EPOCH.code(), commit(w, consumer, memberId, epoch + 1, "bad-input", 99));
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), commit(w, consumer, "ghost", epoch, "bad-input", 99));
            assertEquals(ErrorCode.STALE_MEMBER_EPOCH.code(), fetch(w, consumer, "bad-input", 0, memberId, epoch + 1)
                    .errorCode());
            assertEquals(20, committed(w, consumer, "bad-input"));
        }
    }

    @Test
    void aHugeProtocolMetadataBlobIsRefusedWithoutHarmingItsNeighbours() throws Exception {
        try (OfficialWire w = wire()) {
            String healthy = groupIn(2, "neighbour-");
            String member = healthyGroup(w, healthy, 77);
            String huge = groupIn(2, "huge-");
            byte[] blob = new byte[4 << 20];
            blob[blob.length - 1] = 42;
            JoinGroupResponseData first = sendJoin(w, huge, "", blob);
            assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), first.errorCode());
            JoinGroupResponseData j = sendJoin(w, huge, first.memberId(), blob);
            assertEquals(0, j.errorCode(), "Kafka accepts any metadata that fits in the request");
            assertEquals(blob.length, j.members().get(0).metadata().length);
            assertEquals(42, j.members().get(0).metadata()[blob.length - 1]);
            // Its group record (4 MB) cannot be stored in a batch of message.max.bytes (1 MB): Kafka's answer is
            // UNKNOWN_SERVER_ERROR, and the group rebalances.
            SyncGroupResponseData s = sync(w, huge, j.memberId(), j.generationId(), new byte[]{1});
            assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR.code(), s.errorCode());
            assertEquals(ErrorCode.REBALANCE_IN_PROGRESS.code(), heartbeat(w, huge, j.memberId(), j.generationId()));

            assertEquals(0, heartbeat(w, healthy, member, 1), "the neighbour keeps its member and generation");
            assertEquals(77, committed(w, healthy, "bad-input"));
            assertEquals(0, commit(w, healthy, member, 1, "bad-input", 78));
            assertEquals(78, committed(w, healthy, "bad-input"));
        }
    }

    @Test
    void aJoinGroupStormIsAnsweredAndCappedAtTheGroupMaxSize() throws Exception {
        String healthy = groupIn(3, "calm-");
        String crowd = groupIn(3, "crowd-");
        int connections = 8;
        int perConnection = 25;
        List<OfficialWire> wires = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                wires.add(wire());
            }
            String member = healthyGroup(wires.get(0), healthy, 5);
            List<List<String>> ids = new ArrayList<>();
            for (OfficialWire w : wires) {
                for (int i = 0; i < perConnection; i++) {
                    w.write(ApiKeys.JOIN_GROUP, JOIN_V, join(crowd, "", new byte[64]));
                }
            }
            for (OfficialWire w : wires) {
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < perConnection; i++) {
                    JoinGroupResponseData r = joinResponse(w.read(ApiKeys.JOIN_GROUP, JOIN_V));
                    assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), r.errorCode());
                    mine.add(r.memberId());
                }
                ids.add(mine);
            }
            for (int c = 0; c < connections; c++) {
                for (String id : ids.get(c)) {
                    wires.get(c).write(ApiKeys.JOIN_GROUP, JOIN_V, join(crowd, id, new byte[64]));
                }
            }
            int joined = 0;
            int refused = 0;
            int leaders = 0;
            int generation = -1;
            for (OfficialWire w : wires) {
                for (int i = 0; i < perConnection; i++) {
                    JoinGroupResponseData r = joinResponse(w.read(ApiKeys.JOIN_GROUP, JOIN_V));
                    if (r.errorCode() == ErrorCode.GROUP_MAX_SIZE_REACHED.code()) {
                        refused++;
                        continue;
                    }
                    assertEquals(0, r.errorCode(), "join answered with " + errorName(r.errorCode()));
                    joined++;
                    if (generation < 0) {
                        generation = r.generationId();
                    }
                    assertEquals(generation, r.generationId(), "one generation for every member");
                    if (r.leader().equals(r.memberId())) {
                        leaders++;
                        assertEquals(MAX_GROUP_SIZE, r.members().size());
                    }
                }
            }
            assertEquals(MAX_GROUP_SIZE, joined);
            assertEquals(connections * perConnection - MAX_GROUP_SIZE, refused);
            assertEquals(1, leaders);
            assertEquals(ErrorCode.GROUP_MAX_SIZE_REACHED.code(), sendJoin(wires.get(0), crowd, "", new byte[0])
                    .errorCode(), "a full group refuses newcomers at once");
            assertEquals(0, heartbeat(wires.get(0), healthy, member, 1));
            assertEquals(5, committed(wires.get(0), healthy, "bad-input"));
        } finally {
            for (OfficialWire w : wires) {
                w.close();
            }
        }
    }

    private static String errorName(short code) {
        return Errors.forCode(code).name();
    }
}
