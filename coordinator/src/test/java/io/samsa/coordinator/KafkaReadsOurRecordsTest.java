package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.message.ConsumerGroupDescribeRequest;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.coordinator.common.runtime.CoordinatorRecord;
import org.apache.kafka.coordinator.group.GroupCoordinatorRecordSerde;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataValue;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.apache.kafka.coordinator.group.modern.MemberState;
import org.junit.jupiter.api.Test;

/**
 * What the coordinator writes to {@code __consumer_offsets} while serving classic groups, KIP-848 groups and
 * offsets, decoded by Kafka's own serde and generated classes (kafka-group-coordinator, as kafka-dump-log's offsets
 * decoder uses them): every record reads, with the record types and versions Kafka writes, and the latest value of
 * every key says what the coordinator answers.
 */
class KafkaReadsOurRecordsTest {
    private static final byte[] A1 = {0, 1, 7};

    @Test
    void kafkaReadsEveryRecordAndAgreesWithTheCoordinator() {
        Harness h = new Harness();
        UUID topicId = h.topics.add("t", 6).id();
        // A classic group, a static member, committed offsets (one with its own expiry), a simple group.
        JoinGroupResponse j = done(h.joinNew("classic"));
        done(h.sync("classic", j.memberId(), 1, Map.of(j.memberId(), A1)));
        assertEquals(0, h.commit("classic", j.memberId(), 1, "t", 0, 42, "meta"));
        JoinGroupResponse s = done(h.join("static", "", "inst-1", 9));
        done(h.sync("static", s.memberId(), 1, Map.of(s.memberId(), A1)));
        assertEquals(0, h.commit("simple", "", -1, "t", 3, 7));
        OffsetCommitRequest v2 = new OffsetCommitRequest().setGroupId("expiring").setGenerationIdOrMemberEpoch(-1)
                .setMemberId("").setRetentionTimeMs(60_000);
        v2.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName("t").setPartitions(
                new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition().setPartitionIndex(1)
                        .setCommittedOffset(9).setCommittedMetadata("")))));
        done(h.coordinator.commitOffsets(Harness.v(2), v2));
        // A KIP-848 group of two members, reconciled; a third member came and left.
        List<String> members = new ArrayList<>();
        Map<String, Integer> epochs = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            members.add(UUID.randomUUID().toString());
            epochs.put(members.get(i), 0);
        }
        for (int round = 0; round < 4; round++) {
            for (String m : members.subList(0, 2)) {
                epochs.put(m, heartbeat(h, m, epochs.get(m)).memberEpoch());
            }
        }
        epochs.put(members.get(2), heartbeat(h, members.get(2), 0).memberEpoch());
        heartbeat(h, members.get(2), -1);
        for (int round = 0; round < 4; round++) {
            for (String m : members.subList(0, 2)) {
                epochs.put(m, heartbeat(h, m, epochs.get(m)).memberEpoch());
            }
        }
        // A group deleted with its offsets.
        assertEquals(0, h.commit("gone", "", -1, "t", 5, 1));
        done(h.coordinator.deleteGroups(Harness.v(2), new DeleteGroupsRequest()
                .setGroupsNames(new ArrayList<>(List.of("gone")))));

        GroupCoordinatorRecordSerde kafka = new GroupCoordinatorRecordSerde();
        Map<ByteBuffer, CoordinatorRecord> latest = new LinkedHashMap<>();
        Map<Short, TreeSet<Short>> versionsByType = new TreeMap<>();
        for (io.samsa.coordinator.CoordinatorRecord r : h.partitions.records(0)) {
            CoordinatorRecord theirs = kafka.deserialize(ByteBuffer.wrap(r.key()),
                    r.value() == null ? null : ByteBuffer.wrap(r.value()));
            latest.put(ByteBuffer.wrap(r.key()), theirs);
            if (theirs.value() != null) {
                versionsByType.computeIfAbsent(theirs.key().apiKey(), t -> new TreeSet<>())
                        .add(theirs.value().version());
            }
        }
        // Kafka's writers: OffsetCommit v3 (v1 with an expiry), GroupMetadata v3, consumer group records v0.
        assertEquals(Map.of((short) 1, new TreeSet<>(List.of((short) 1, (short) 3)), (short) 2, new TreeSet<>(
                List.of((short) 3)), (short) 3, new TreeSet<>(List.of((short) 0)), (short) 5, new TreeSet<>(
                List.of((short) 0)), (short) 6, new TreeSet<>(List.of((short) 0)), (short) 7, new TreeSet<>(
                List.of((short) 0)), (short) 8, new TreeSet<>(List.of((short) 0))), versionsByType);

        OffsetCommitValue committed = (OffsetCommitValue) value(latest, new OffsetCommitKey().setGroup("classic")
                .setTopic("t").setPartition(0));
        assertEquals(42, committed.offset());
        assertEquals("meta", committed.metadata());
        assertEquals(h.clock.milliseconds(), committed.commitTimestamp());
        assertEquals(7, ((OffsetCommitValue) value(latest, new OffsetCommitKey().setGroup("simple").setTopic("t")
                .setPartition(3))).offset());
        OffsetCommitValue expiring = (OffsetCommitValue) value(latest, new OffsetCommitKey().setGroup("expiring")
                .setTopic("t").setPartition(1));
        assertEquals(h.clock.milliseconds() + 60_000, expiring.expireTimestamp());

        GroupMetadataValue classic = (GroupMetadataValue) value(latest, new GroupMetadataKey().setGroup("classic"));
        assertEquals("consumer", classic.protocolType());
        assertEquals(1, classic.generation());
        assertEquals("range", classic.protocol());
        assertEquals(j.memberId(), classic.leader());
        assertEquals(1, classic.members().size());
        assertEquals(j.memberId(), classic.members().get(0).memberId());
        assertEquals("client", classic.members().get(0).clientId());
        assertEquals(6000, classic.members().get(0).sessionTimeout());
        assertEquals(20000, classic.members().get(0).rebalanceTimeout());
        assertArrayEquals(Harness.subscription("t"), classic.members().get(0).subscription());
        assertArrayEquals(A1, classic.members().get(0).assignment());
        GroupMetadataValue stat = (GroupMetadataValue) value(latest, new GroupMetadataKey().setGroup("static"));
        assertEquals("inst-1", stat.members().get(0).groupInstanceId());

        ConsumerGroupDescribeResponse.DescribedGroup d = done(h.coordinator.consumerGroupDescribe(Harness.v(1),
                new ConsumerGroupDescribeRequest().setGroupIds(new ArrayList<>(List.of("kip848"))))).groups().get(0);
        assertEquals("Stable", d.groupState());
        assertEquals(d.groupEpoch(), ((ConsumerGroupMetadataValue) value(latest,
                new ConsumerGroupMetadataKey().setGroupId("kip848"))).epoch());
        assertEquals(d.assignmentEpoch(), ((ConsumerGroupTargetAssignmentMetadataValue) value(latest,
                new ConsumerGroupTargetAssignmentMetadataKey().setGroupId("kip848"))).assignmentEpoch());
        assertEquals(2, d.members().size());
        int partitions = 0;
        for (ConsumerGroupDescribeResponse.Member m : d.members()) {
            ConsumerGroupMemberMetadataValue md = (ConsumerGroupMemberMetadataValue) value(latest,
                    new ConsumerGroupMemberMetadataKey().setGroupId("kip848").setMemberId(m.memberId()));
            assertEquals(List.of("t"), md.subscribedTopicNames());
            assertEquals(5000, md.rebalanceTimeoutMs());
            assertEquals("client", md.clientId());
            ConsumerGroupCurrentMemberAssignmentValue current = (ConsumerGroupCurrentMemberAssignmentValue) value(
                    latest, new ConsumerGroupCurrentMemberAssignmentKey().setGroupId("kip848")
                            .setMemberId(m.memberId()));
            assertEquals(m.memberEpoch(), current.memberEpoch());
            assertEquals(MemberState.STABLE, MemberState.fromValue(current.state()));
            assertEquals(1, current.assignedPartitions().size());
            assertEquals(new Uuid(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()),
                    current.assignedPartitions().get(0).topicId());
            assertEquals(m.assignment().topicPartitions().get(0).partitions(),
                    current.assignedPartitions().get(0).partitions());
            assertTrue(current.partitionsPendingRevocation().isEmpty());
            ConsumerGroupTargetAssignmentMemberValue target = (ConsumerGroupTargetAssignmentMemberValue) value(
                    latest, new ConsumerGroupTargetAssignmentMemberKey().setGroupId("kip848")
                            .setMemberId(m.memberId()));
            assertEquals(m.targetAssignment().topicPartitions().get(0).partitions(),
                    target.topicPartitions().get(0).partitions());
            partitions += current.assignedPartitions().get(0).partitions().size();
        }
        assertEquals(6, partitions);
        // The member that left and the deleted group are tombstones, as Kafka writes them.
        assertNull(latest.get(key(new ConsumerGroupMemberMetadataKey().setGroupId("kip848")
                .setMemberId(members.get(2)))).value());
        assertNull(latest.get(key(new ConsumerGroupCurrentMemberAssignmentKey().setGroupId("kip848")
                .setMemberId(members.get(2)))).value());
        assertNull(latest.get(key(new OffsetCommitKey().setGroup("gone").setTopic("t").setPartition(5))).value());
        assertNull(latest.get(key(new GroupMetadataKey().setGroup("gone"))).value());
    }

    private static ConsumerGroupHeartbeatResponse heartbeat(Harness h, String memberId, int epoch) {
        ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId("kip848")
                .setMemberId(memberId).setMemberEpoch(epoch).setRebalanceTimeoutMs(5000);
        if (epoch == 0) {
            req.setSubscribedTopicNames(new ArrayList<>(List.of("t"))).setTopicPartitions(new ArrayList<>());
        } else if (epoch > 0) {
            // Report exactly what the coordinator says the member owns: the member revokes at once.
            ConsumerGroupDescribeResponse.DescribedGroup d = done(h.coordinator.consumerGroupDescribe(Harness.v(1),
                    new ConsumerGroupDescribeRequest().setGroupIds(new ArrayList<>(List.of("kip848"))))).groups()
                    .get(0);
            List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned = new ArrayList<>();
            for (ConsumerGroupDescribeResponse.Member m : d.members()) {
                if (m.memberId().equals(memberId)) {
                    for (ConsumerGroupDescribeResponse.TopicPartitions tp : m.assignment().topicPartitions()) {
                        List<Integer> keep = new ArrayList<>(tp.partitions());
                        keep.retainAll(targetOf(m, tp.topicId()));
                        owned.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(tp.topicId())
                                .setPartitions(keep));
                    }
                }
            }
            req.setTopicPartitions(owned);
        }
        ConsumerGroupHeartbeatResponse r = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1), req));
        assertEquals(0, r.errorCode(), r.toString());
        return r;
    }

    private static List<Integer> targetOf(ConsumerGroupDescribeResponse.Member m, UUID topicId) {
        for (ConsumerGroupDescribeResponse.TopicPartitions tp : m.targetAssignment().topicPartitions()) {
            if (tp.topicId().equals(topicId)) {
                return tp.partitions();
            }
        }
        return List.of();
    }

    private static ApiMessage value(Map<ByteBuffer, CoordinatorRecord> latest, ApiMessage kafkaKey) {
        CoordinatorRecord r = latest.get(key(kafkaKey));
        assertTrue(r != null && r.value() != null, "no live record for " + kafkaKey);
        return r.value().message();
    }

    /** The key bytes Kafka writes for {@code kafkaKey}: the lookup works only if ours are the same. */
    private static ByteBuffer key(ApiMessage kafkaKey) {
        return ByteBuffer.wrap(new GroupCoordinatorRecordSerde().serializeKey(CoordinatorRecord.tombstone(kafkaKey)));
    }
}
