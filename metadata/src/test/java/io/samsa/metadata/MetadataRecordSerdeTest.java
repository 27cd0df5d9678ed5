package io.samsa.metadata;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.metadata.record.BrokerRegistrationChangeRecord;
import io.samsa.metadata.record.ClientQuotaRecord;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.ConfigRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.metadata.record.FenceBrokerRecord;
import io.samsa.metadata.record.MetadataRecordType;
import io.samsa.metadata.record.NoOpRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.ProducerIdsRecord;
import io.samsa.metadata.record.RegisterBrokerRecord;
import io.samsa.metadata.record.RemoveAccessControlEntryRecord;
import io.samsa.metadata.record.RemoveTopicRecord;
import io.samsa.metadata.record.RemoveUserScramCredentialRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.metadata.record.UnfenceBrokerRecord;
import io.samsa.metadata.record.UnregisterBrokerRecord;
import io.samsa.metadata.record.UserScramCredentialRecord;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class MetadataRecordSerdeTest {
    private static final UUID ID = new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L);
    private static final UUID DIR = new UUID(7, 8);

    /** A record of {@code type} with every field {@code version} carries set to a non-default value. */
    static Message sample(MetadataRecordType type, short version) {
        return switch (type) {
            case REGISTER_BROKER -> {
                RegisterBrokerRecord r = new BrokerRegistration(1, 42, ID, "rack-a", List.of(
                    new Endpoint("PLAINTEXT", "localhost", 9092, "PLAINTEXT"),
                    new Endpoint("SSL", "héllo.example", 65535, "SASL_SSL")), true).toRecord();
                r.setFeatures(List.of(new RegisterBrokerRecord.BrokerFeature().setName("metadata.version")
                    .setMinSupportedVersion((short) 1).setMaxSupportedVersion((short) 25)));
                if (version >= 1) {
                    r.setInControlledShutdown(true);
                }
                if (version >= 2) {
                    r.setIsMigratingZkBroker(true);
                }
                if (version >= 3) {
                    r.setLogDirs(List.of(DIR, ID));
                }
                if (version >= 4) {
                    r.setCordonedLogDirs(List.of(DIR));
                }
                yield r;
            }
            case UNREGISTER_BROKER -> new UnregisterBrokerRecord().setBrokerId(3).setBrokerEpoch(77);
            case USER_SCRAM_CREDENTIAL -> new UserScramCredentialRecord().setName("alice")
                .setMechanism((byte) 2).setSalt(new byte[] {1, 2}).setStoredKey(new byte[] {3})
                .setServerKey(new byte[] {4, 5}).setIterations(8192);
            case REMOVE_USER_SCRAM_CREDENTIAL -> new RemoveUserScramCredentialRecord()
                .setName("bob").setMechanism((byte) 1);
            case TOPIC -> new TopicRecord().setName("orders").setTopicId(ID);
            case PARTITION -> {
                PartitionRecord r = new PartitionRecord().setTopicId(ID).setPartitionId(3)
                    .setReplicas(List.of(1, 2, 3)).setIsr(List.of(1, 2)).setRemovingReplicas(List.of(3))
                    .setAddingReplicas(List.of(4)).setLeader(1).setLeaderRecoveryState((byte) 1).setLeaderEpoch(7)
                    .setPartitionEpoch(9);
                if (version >= 1) {
                    r.setDirectories(List.of(DIR, DIR, ID));
                }
                if (version >= 2) {
                    r.setEligibleLeaderReplicas(List.of(2)).setLastKnownElr(List.of(3));
                }
                yield r;
            }
            case CONFIG -> new ConfigRecord().setResourceType((byte) 2).setResourceName("orders").setName("retention.ms")
                .setValue("1000");
            case PARTITION_CHANGE -> {
                PartitionChangeRecord r = new PartitionChangeRecord().setTopicId(ID).setPartitionId(0).setLeader(2)
                    .setIsr(List.of(2)).setReplicas(List.of(2, 1)).setRemovingReplicas(List.of(1))
                    .setAddingReplicas(List.of()).setLeaderRecoveryState((byte) 0);
                if (version >= 1) {
                    r.setDirectories(List.of(DIR, DIR));
                }
                if (version >= 2) {
                    r.setEligibleLeaderReplicas(List.of(1)).setLastKnownElr(List.of());
                }
                yield r;
            }
            case FENCE_BROKER -> new FenceBrokerRecord().setId(2).setEpoch(5);
            case UNFENCE_BROKER -> new UnfenceBrokerRecord().setId(2).setEpoch(5);
            case REMOVE_TOPIC -> new RemoveTopicRecord().setTopicId(ID);
            case ACCESS_CONTROL_ENTRY -> new AclBinding(AclResourceType.TOPIC, "orders-", AclPatternType.PREFIXED,
                "User:alice", "10.0.0.1", AclOperation.READ, AclPermissionType.DENY).toRecord(ID);
            case REMOVE_ACCESS_CONTROL_ENTRY -> new RemoveAccessControlEntryRecord().setId(ID);
            case FEATURE_LEVEL -> new FeatureLevelRecord().setName("metadata.version").setFeatureLevel((short) 25);
            case PRODUCER_IDS -> new ProducerIdsRecord().setBrokerId(1).setBrokerEpoch(4).setNextProducerId(5000);
            case BROKER_REGISTRATION_CHANGE -> {
                BrokerRegistrationChangeRecord r = new BrokerRegistrationChangeRecord().setBrokerId(1).setBrokerEpoch(4)
                    .setFenced((byte) -1);
                if (version >= 1) {
                    r.setInControlledShutdown((byte) 1);
                }
                if (version >= 2) {
                    r.setLogDirs(List.of(DIR));
                }
                if (version >= 3) {
                    r.setCordonedLogDirs(List.of());
                }
                yield r;
            }
            case NO_OP -> new NoOpRecord();
            case CLUSTER_ID -> new ClusterIdRecord().setClusterId("MkU3OEVBNTcwNTJENDM2Qk");
            case CLIENT_QUOTA -> new ClientQuotaRecord().setEntity(List.of(
                    new ClientQuotaRecord.EntityData().setEntityType("user").setEntityName("alice"),
                    new ClientQuotaRecord.EntityData().setEntityType("client-id").setEntityName(null)))
                .setKey("producer_byte_rate").setValue(1048576.5).setRemove(true);
        };
    }

    /** Every type at the version Samsa writes, plus records with null and empty fields. */
    static List<Message> samples() {
        List<Message> out = new ArrayList<>();
        for (MetadataRecordType t : MetadataRecordType.values()) {
            out.add(sample(t, t.lowestVersion()));
        }
        out.add(new RegisterBrokerRecord().setBrokerId(2).setIncarnationId(ID).setRack(null).setFenced(false));
        out.add(new PartitionChangeRecord().setTopicId(ID).setPartitionId(3).setLeader(MetadataDelta.NO_LEADER_CHANGE));
        out.add(new ConfigRecord().setResourceType((byte) 4).setResourceName("").setName("log.retention.ms")
            .setValue(null));
        return out;
    }

    private static byte[] encode(Message r, short version) {
        ByteBuf buf = Unpooled.buffer();
        try {
            MetadataRecordSerde.write(r, version, buf);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static byte[] encode(Message r) {
        return encode(r, MetadataRecordSerde.writeVersion(r));
    }

    private static Message decode(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return MetadataRecordSerde.read(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void everyTypeRoundTripsAtEveryVersion() {
        Set<MetadataRecordType> seen = EnumSet.noneOf(MetadataRecordType.class);
        for (MetadataRecordType t : MetadataRecordType.values()) {
            for (short v = t.lowestVersion(); v <= t.highestVersion(); v++) {
                Message r = sample(t, v);
                byte[] bytes = encode(r, v);
                assertEquals(MetadataRecordSerde.FRAME_VERSION, bytes[0]);
                assertEquals(r, decode(bytes), t + " v" + v);
                seen.add(t);
            }
        }
        assertEquals(EnumSet.allOf(MetadataRecordType.class), seen);
        for (Message r : samples()) {
            assertEquals(r, decode(encode(r)), r.toString());
            assertEquals(MetadataRecordSerde.size(r), encode(r).length, r.toString());
        }
    }

    @Test
    void typesHaveKafkasIds() {
        assertEquals(0, MetadataRecordType.REGISTER_BROKER.id());
        assertEquals(1, MetadataRecordType.UNREGISTER_BROKER.id());
        assertEquals(2, MetadataRecordType.TOPIC.id());
        assertEquals(3, MetadataRecordType.PARTITION.id());
        assertEquals(4, MetadataRecordType.CONFIG.id());
        assertEquals(5, MetadataRecordType.PARTITION_CHANGE.id());
        assertEquals(7, MetadataRecordType.FENCE_BROKER.id());
        assertEquals(8, MetadataRecordType.UNFENCE_BROKER.id());
        assertEquals(9, MetadataRecordType.REMOVE_TOPIC.id());
        assertEquals(12, MetadataRecordType.FEATURE_LEVEL.id());
        assertEquals(14, MetadataRecordType.CLIENT_QUOTA.id());
        assertEquals(15, MetadataRecordType.PRODUCER_IDS.id());
        assertEquals(17, MetadataRecordType.BROKER_REGISTRATION_CHANGE.id());
        assertEquals(20, MetadataRecordType.NO_OP.id());
        assertEquals(1000, MetadataRecordType.CLUSTER_ID.id());
    }

    @Test
    void topicRecordHasTheDocumentedLayout() {
        byte[] bytes = encode(new TopicRecord().setName("ab").setTopicId(ID));
        // frame 1, type 2, version 0, compact string length+1 = 3, 'a', 'b', the 16 id bytes, no tagged fields
        assertEquals(3 + 3 + 16 + 1, bytes.length);
        assertArrayEquals(new byte[] {1, 2, 0, 3, 'a', 'b', 0x12}, Arrays.copyOf(bytes, 7));
        assertEquals(0, bytes[bytes.length - 1]);
    }

    @Test
    void everyTruncationIsADecodeError() {
        for (Message r : samples()) {
            byte[] bytes = encode(r);
            for (int len = 0; len < bytes.length; len++) {
                byte[] cut = Arrays.copyOf(bytes, len);
                assertThrows(DecodeException.class, () -> decode(cut), "truncated to " + len + " of " + r);
            }
        }
    }

    @Test
    void trailingBytesUnknownTypesFramesAndNewerVersionsAreRefused() {
        byte[] topic = encode(new TopicRecord().setName("t").setTopicId(ID));
        byte[] longer = Arrays.copyOf(topic, topic.length + 1);
        assertThrows(DecodeException.class, () -> decode(longer));
        byte[] unknownType = topic.clone();
        unknownType[1] = 99;
        assertThrows(DecodeException.class, () -> decode(unknownType));
        byte[] unknownFrame = topic.clone();
        unknownFrame[0] = 0;
        assertThrows(DecodeException.class, () -> decode(unknownFrame));
        byte[] newer = topic.clone();
        newer[2] = 1;
        assertThrows(DecodeException.class, () -> decode(newer));
        assertThrows(IllegalArgumentException.class,
            () -> MetadataRecordSerde.write(new io.samsa.wire.message.SnapshotHeaderRecord(), Unpooled.buffer()));
    }

    @Test
    void hugeClaimedLengthsDoNotAllocate() {
        // A PartitionRecord whose replica list claims 2^28 elements with 4 bytes behind it.
        ByteBuf w = Unpooled.buffer();
        w.writeByte(1).writeByte(3).writeByte(0).writeInt(0).writeLong(1).writeLong(2);
        io.samsa.wire.protocol.ProtocolCodec.writeUnsignedVarint(w, 1 << 28);
        w.writeInt(1);
        byte[] bytes = new byte[w.readableBytes()];
        w.readBytes(bytes);
        w.release();
        assertThrows(DecodeException.class, () -> decode(bytes));
        byte[] string = {1, (byte) 0xe8, 0x07, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
        assertThrows(DecodeException.class, () -> decode(string));
        byte[] longVarint = {1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
        assertThrows(DecodeException.class, () -> decode(longVarint));
    }

    @Test
    void randomGarbageAndMutationsOnlyEverGiveDecodeErrors() {
        Random random = new Random(20261122L);
        List<Message> samples = samples();
        for (int i = 0; i < 50_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                if (bytes.length >= 3) {
                    bytes[0] = 1;
                    bytes[1] = (byte) random.nextInt(21);
                    bytes[2] = (byte) random.nextInt(3);
                }
            } else {
                bytes = encode(samples.get(random.nextInt(samples.size())));
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            try {
                decode(bytes);
            } catch (DecodeException expected) {
                // the only acceptable failure
            } catch (RuntimeException e) {
                fail("Iteration " + i + " threw " + e + " for " + Arrays.toString(bytes));
            }
        }
    }
}
