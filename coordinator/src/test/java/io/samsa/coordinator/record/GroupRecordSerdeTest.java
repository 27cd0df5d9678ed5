package io.samsa.coordinator.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.coordinator.runtime.RecordSerde;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.coordinator.group.GroupCoordinatorRecordSerde;
import org.junit.jupiter.api.Test;

/**
 * Every record type at every version of its value, full and sparse: what we write, Kafka's own serde
 * ({@code GroupCoordinatorRecordSerde} of kafka-group-coordinator, as its tools use it) reads as the same type and
 * version and writes back byte for byte, and we read back into the same record.
 */
class GroupRecordSerdeTest {
    private static final UUID T1 = new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L);
    private static final UUID T2 = UUID.nameUUIDFromBytes("orders".getBytes());

    private final GroupRecordSerde serde = new GroupRecordSerde();
    private final GroupCoordinatorRecordSerde kafka = new GroupCoordinatorRecordSerde();

    /** Keys and values of every type, each value once with every field set and once as sparse as it may be. */
    private static List<Message[]> samples() {
        List<Message[]> out = new ArrayList<>();
        OffsetCommitKey offsetKey = new OffsetCommitKey().setGroup("g-é").setTopic("orders").setPartition(7);
        out.add(new Message[]{offsetKey, new OffsetCommitValue().setOffset(1L << 40).setLeaderEpoch(12)
                .setMetadata("checkpoint 日本").setCommitTimestamp(1_700_000_000_123L)
                .setExpireTimestamp(1_800_000_000_000L).setTopicId(T1)});
        out.add(new Message[]{offsetKey, new OffsetCommitValue().setOffset(0).setMetadata("")});
        GroupMetadataKey groupKey = new GroupMetadataKey().setGroup("classic");
        List<GroupMetadataValue.MemberMetadata> members = new ArrayList<>();
        members.add(new GroupMetadataValue.MemberMetadata().setMemberId("client-1-abc").setGroupInstanceId("inst-1")
                .setClientId("client-1").setClientHost("/10.0.0.1").setRebalanceTimeout(30_000)
                .setSessionTimeout(10_000).setSubscription(new byte[]{0, 1, 2}).setAssignment(new byte[]{9, 8}));
        members.add(new GroupMetadataValue.MemberMetadata().setMemberId("client-2-def").setClientId("")
                .setClientHost("").setSessionTimeout(45_000).setSubscription(new byte[0]).setAssignment(new byte[0]));
        out.add(new Message[]{groupKey, new GroupMetadataValue().setProtocolType("consumer").setGeneration(42)
                .setProtocol("range").setLeader("client-1-abc").setCurrentStateTimestamp(1_700_000_000_000L)
                .setMembers(members)});
        out.add(new Message[]{groupKey, new GroupMetadataValue().setProtocolType("").setGeneration(3)});
        ConsumerGroupMetadataKey cgKey = new ConsumerGroupMetadataKey().setGroupId("kip848");
        out.add(new Message[]{cgKey, new ConsumerGroupMetadataValue().setEpoch(17).setMetadataHash(-42L)});
        out.add(new Message[]{cgKey, new ConsumerGroupMetadataValue()});
        ConsumerGroupMemberMetadataKey memberKey = new ConsumerGroupMemberMetadataKey().setGroupId("kip848")
                .setMemberId("m-1");
        out.add(new Message[]{memberKey, new ConsumerGroupMemberMetadataValue().setInstanceId("inst")
                .setRackId("rack-a").setClientId("consumer-1").setClientHost("/127.0.0.1")
                .setSubscribedTopicNames(new ArrayList<>(List.of("a", "orders"))).setSubscribedTopicRegex("orders-.*")
                .setRebalanceTimeoutMs(5000).setServerAssignor("uniform")});
        out.add(new Message[]{memberKey, new ConsumerGroupMemberMetadataValue().setClientId("").setClientHost("")});
        ConsumerGroupTargetAssignmentMetadataKey epochKey = new ConsumerGroupTargetAssignmentMetadataKey()
                .setGroupId("kip848");
        out.add(new Message[]{epochKey, new ConsumerGroupTargetAssignmentMetadataValue().setAssignmentEpoch(17)
                .setAssignmentTimestamp(1_700_000_000_999L)});
        out.add(new Message[]{epochKey, new ConsumerGroupTargetAssignmentMetadataValue()});
        ConsumerGroupTargetAssignmentMemberKey targetKey = new ConsumerGroupTargetAssignmentMemberKey()
                .setGroupId("kip848").setMemberId("m-1");
        List<ConsumerGroupTargetAssignmentMemberValue.TopicPartition> target = new ArrayList<>();
        target.add(new ConsumerGroupTargetAssignmentMemberValue.TopicPartition().setTopicId(T1)
                .setPartitions(new ArrayList<>(List.of(0, 3, 5))));
        target.add(new ConsumerGroupTargetAssignmentMemberValue.TopicPartition().setTopicId(T2)
                .setPartitions(new ArrayList<>(List.of(1))));
        out.add(new Message[]{targetKey, new ConsumerGroupTargetAssignmentMemberValue().setTopicPartitions(target)});
        out.add(new Message[]{targetKey, new ConsumerGroupTargetAssignmentMemberValue()});
        ConsumerGroupCurrentMemberAssignmentKey currentKey = new ConsumerGroupCurrentMemberAssignmentKey()
                .setGroupId("kip848").setMemberId("m-1");
        List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> owned = new ArrayList<>();
        owned.add(new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions().setTopicId(T1)
                .setPartitions(new ArrayList<>(List.of(0, 3))));
        List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> revoking = new ArrayList<>();
        revoking.add(new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions().setTopicId(T2)
                .setPartitions(new ArrayList<>(List.of(2, 4))));
        out.add(new Message[]{currentKey, new ConsumerGroupCurrentMemberAssignmentValue().setMemberEpoch(17)
                .setPreviousMemberEpoch(16).setState((byte) 1).setAssignedPartitions(owned)
                .setPartitionsPendingRevocation(revoking)});
        out.add(new Message[]{currentKey, new ConsumerGroupCurrentMemberAssignmentValue().setMemberEpoch(-2)});
        return out;
    }

    @Test
    void everyTypeAndVersionReadsInKafkaAsWrittenAndBack() {
        Set<Short> types = new TreeSet<>();
        int checked = 0;
        for (Message[] s : samples()) {
            CoordinatorRecordType type = CoordinatorRecordType.fromId(s[0].apiKey());
            types.add(type.id());
            for (short v = type.lowestVersion(); v <= type.highestVersion(); v++) {
                String what = type.recordName() + " v" + v + " " + s[1];
                TypedRecord record = new TypedRecord(s[0], s[1], v);
                CoordinatorRecord bytes = serde.serialize(record);

                org.apache.kafka.coordinator.common.runtime.CoordinatorRecord theirs =
                        kafka.deserialize(ByteBuffer.wrap(bytes.key()), ByteBuffer.wrap(bytes.value()));
                assertEquals(type.id(), theirs.key().apiKey(), what);
                assertEquals(v, theirs.value().version(), what);
                assertEquals(kafkaClassName(s[1]), theirs.value().message().getClass().getName(), what);
                assertArrayEquals(bytes.key(), kafka.serializeKey(theirs), what);
                assertArrayEquals(bytes.value(), kafka.serializeValue(theirs), what);

                TypedRecord back = serde.deserialize(bytes.key(), bytes.value());
                assertEquals(s[0], back.key(), what);
                assertEquals(v, back.valueVersion(), what);
                assertArrayEquals(bytes.value(), serde.serialize(back).value(), what);
                if (type.lowestVersion() == type.highestVersion()
                        || type == CoordinatorRecordType.GROUP_METADATA && v >= 3) {
                    assertEquals(s[1], back.value(), what + ": this version carries every field");
                }
                checked++;
            }
        }
        assertEquals(Set.of((short) 1, (short) 2, (short) 3, (short) 5, (short) 6, (short) 7, (short) 8), types);
        assertEquals(2 * (5 + 5 + 5), checked);
    }

    @Test
    void offsetCommitVersionsCarryWhatKafkaSays() {
        OffsetCommitKey key = new OffsetCommitKey().setGroup("g").setTopic("t").setPartition(0);
        OffsetCommitValue full = new OffsetCommitValue().setOffset(5).setLeaderEpoch(3).setMetadata("m")
                .setCommitTimestamp(100).setExpireTimestamp(200).setTopicId(T1);
        OffsetCommitValue v1 = roundTrip(key, full, 1);
        assertEquals(200, v1.expireTimestamp(), "v1 carries the expiry");
        assertEquals(-1, v1.leaderEpoch(), "but no leader epoch");
        OffsetCommitValue v3 = roundTrip(key, full, 3);
        assertEquals(3, v3.leaderEpoch(), "v3 carries the leader epoch");
        assertEquals(-1, v3.expireTimestamp(), "but no expiry");
        assertEquals(new UUID(0, 0), v3.topicId());
        assertEquals(T1, roundTrip(key, full, 4).topicId(), "v4 tags the topic id");
        assertEquals(5, roundTrip(key, full, 0).offset());
    }

    private OffsetCommitValue roundTrip(OffsetCommitKey key, OffsetCommitValue value, int version) {
        CoordinatorRecord bytes = serde.serialize(new TypedRecord(key, value, (short) version));
        return (OffsetCommitValue) serde.deserialize(bytes.key(), bytes.value()).value();
    }

    @Test
    void tombstonesHaveAKeyAndNoValue() {
        for (Message[] s : samples()) {
            CoordinatorRecord bytes = serde.serialize(TypedRecord.tombstone(s[0]));
            assertNull(bytes.value());
            org.apache.kafka.coordinator.common.runtime.CoordinatorRecord theirs =
                    kafka.deserialize(ByteBuffer.wrap(bytes.key()), null);
            assertNull(theirs.value());
            assertArrayEquals(bytes.key(), kafka.serializeKey(theirs));
            TypedRecord back = serde.deserialize(bytes.key(), null);
            assertEquals(s[0], back.key());
            assertNull(back.value());
        }
    }

    @Test
    void samsasPreviousFormatIsRefusedWithAClearMessage() {
        // The hand-written format before issue 10: int16 type 101 (a classic group), int32 length, group id.
        byte[] key = {0, 101, 0, 0, 0, 1, 'g'};
        RecordSerde.IncompatibleFormatException e = assertThrows(RecordSerde.IncompatibleFormatException.class,
                () -> serde.deserialize(key, new byte[]{0, 0}));
        assertTrue(e.getMessage().contains("type 101"), e.getMessage());
        assertTrue(e.getMessage().contains("delete the __consumer_offsets-* directories"), e.getMessage());
        assertEquals(e.getMessage(), GroupRecordSerde.previousFormatProblem(key));
        assertNull(GroupRecordSerde.previousFormatProblem(serde.serialize(
                TypedRecord.tombstone(new GroupMetadataKey().setGroup("g"))).key()));
    }

    @Test
    void unknownTypesAndVersionsAndTruncatedBytesAreTypedErrors() {
        // Type 11 is Kafka's share group metadata: skipped, not fatal.
        assertThrows(RecordSerde.UnknownTypeException.class,
                () -> serde.deserialize(new byte[]{0, 11, 0, 1, 'g'}, null));
        byte[] key = serde.serialize(TypedRecord.tombstone(new ConsumerGroupMetadataKey().setGroupId("g"))).key();
        assertThrows(DecodeException.class, () -> serde.deserialize(key, new byte[]{0, 1, 0, 0, 0, 1, 0}));
        assertThrows(DecodeException.class, () -> serde.deserialize(key, new byte[]{0}));
        assertThrows(DecodeException.class, () -> serde.deserialize(new byte[]{3}, null));
        assertThrows(DecodeException.class, () -> serde.deserialize(new byte[]{0, 3, 0, 9, 'g'}, null));
    }

    private static String kafkaClassName(Message ours) {
        return "org.apache.kafka.coordinator.group.generated." + ours.getClass().getSimpleName();
    }
}
