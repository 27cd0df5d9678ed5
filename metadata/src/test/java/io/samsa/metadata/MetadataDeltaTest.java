package io.samsa.metadata;

import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.RemoveTopicRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataDeltaTest {
    private static final UUID A = new UUID(1, 1);
    private static final UUID B = new UUID(2, 2);

    static ClusterIdRecord clusterId(String id) {
        return new ClusterIdRecord().setClusterId(id);
    }

    static TopicRecord topic(String name, UUID id) {
        return new TopicRecord().setName(name).setTopicId(id);
    }

    static PartitionRecord partition(UUID topicId, int partition, List<Integer> replicas, List<Integer> isr,
                                     int leader, int leaderEpoch, int partitionEpoch) {
        return new PartitionRecord().setTopicId(topicId).setPartitionId(partition).setReplicas(replicas).setIsr(isr)
            .setLeader(leader).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch);
    }

    static PartitionChangeRecord partitionChange(UUID topicId, int partition, int leader, List<Integer> isr,
                                                 List<Integer> replicas) {
        return new PartitionChangeRecord().setTopicId(topicId).setPartitionId(partition).setLeader(leader).setIsr(isr)
            .setReplicas(replicas);
    }

    static FeatureLevelRecord feature(String name, short level) {
        return new FeatureLevelRecord().setName(name).setFeatureLevel(level);
    }

    private static MetadataImage base() {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
            clusterId("c"),
            topic("a", A),
            partition(A, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0)), 0, 1);
    }

    @Test
    void partitionChangeBumpsEpochs() {
        MetadataImage image = base();
        MetadataImage next = MetadataDelta.replayAll(image, List.of(
            partitionChange(A, 0, MetadataDelta.NO_LEADER_CHANGE, List.of(1), null),
            partitionChange(A, 0, 2, null, null)), 3, 1);
        PartitionRegistration p = next.topic("a").partition(0);
        assertEquals(List.of(1), p.isr());
        assertEquals(List.of(1, 2), p.replicas());
        assertEquals(2, p.leader());
        assertEquals(1, p.leaderEpoch());
        assertEquals(2, p.partitionEpoch());
        assertEquals(4, next.offset());
        // The base image is untouched.
        assertEquals(0, image.topic("a").partition(0).partitionEpoch());
    }

    @Test
    void deleteAndRecreateInOneDelta() {
        MetadataDelta d = new MetadataDelta(base());
        d.replay(List.of(
            new RemoveTopicRecord().setTopicId(A),
            topic("a", B),
            MetadataImage.configRecord(ConfigResource.Type.TOPIC, "a", "retention.ms", "1"),
            partition(B, 0, List.of(1), List.of(1), 1, 0, 0)), 3, 2);
        MetadataImage next = d.apply();
        assertEquals(B, next.topic("a").id());
        assertNull(next.topic(A));
        assertEquals(Map.of("retention.ms", "1"), next.topic("a").configs());
        assertEquals(Set.of(B), d.createdTopicIds());
        assertEquals(List.of(A), d.deletedTopics().stream().map(TopicImage::id).toList());
        assertEquals(2, next.epoch());
    }

    @Test
    void inconsistentRecordsAreTypedErrors() {
        MetadataImage image = base();
        List<Message> bad = List.of(
            topic("a", B),
            topic("other", A),
            partition(B, 0, List.of(1), List.of(1), 1, 0, 0),
            partitionChange(A, 5, 1, null, null),
            new RemoveTopicRecord().setTopicId(B),
            MetadataImage.configRecord(ConfigResource.Type.TOPIC, "zzz", "k", "v"),
            clusterId("different"));
        for (Message r : bad) {
            SamsaException e = assertThrows(SamsaException.class,
                () -> MetadataDelta.replayAll(image, List.of(r), 10, 1), r.toString());
            assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.errorCode());
        }
        assertThrows(SamsaException.class, () -> MetadataDelta.replayAll(image, List.of(
            feature("x", (short) 1)), 2, 1), "offset must move forward");
    }

    @Test
    void eligibleLeaderReplicasFollowTheirRecordsIntoTheImageAndSnapshots() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(
            partitionChange(A, 0, MetadataDelta.NO_LEADER_CHANGE, List.of(1), null)
                .setEligibleLeaderReplicas(List.of(2)),
            partitionChange(A, 0, MetadataDelta.NO_LEADER_CHANGE, null, null).setLastKnownElr(List.of(3))), 3, 1);
        PartitionRegistration p = image.topic("a").partition(0);
        assertEquals(List.of(1), p.isr());
        assertEquals(List.of(2), p.eligibleLeaderReplicas());
        assertEquals(List.of(3), p.lastKnownElr());
        assertEquals(2, p.partitionEpoch());
        PartitionRecord r = p.toRecord(A);
        assertEquals(2, MetadataRecordSerde.writeVersion(r));
        // A change that does not name them keeps them; an empty list clears them.
        MetadataImage kept = MetadataDelta.replayAll(image, List.of(
            partitionChange(A, 0, MetadataDelta.NO_LEADER_CHANGE, List.of(1, 2), null)), 5, 1);
        assertEquals(List.of(2), kept.topic("a").partition(0).eligibleLeaderReplicas());
        assertEquals(List.of(3), kept.topic("a").partition(0).lastKnownElr());
        MetadataImage cleared = MetadataDelta.replayAll(kept, List.of(
            partitionChange(A, 0, MetadataDelta.NO_LEADER_CHANGE, null, null).setEligibleLeaderReplicas(List.of())
                .setLastKnownElr(List.of())), 6, 1);
        PartitionRegistration c = cleared.topic("a").partition(0);
        assertEquals(List.of(), c.eligibleLeaderReplicas());
        assertEquals(List.of(), c.lastKnownElr());
        assertEquals(0, MetadataRecordSerde.writeVersion(c.toRecord(A)));
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
        d.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        assertTrue(image.sameContent(d.apply()));
    }

    @Test
    void snapshotRecordsRebuildTheImage() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(
            new BrokerRegistration(1, 3, A, null, List.of()).toRecord(),
            MetadataImage.configRecord(ConfigResource.Type.BROKER, "", "log.retention.ms", "5"),
            feature("metadata.version", (short) 7)), 3, 1);
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
        d.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        MetadataImage rebuilt = d.apply();
        assertTrue(image.sameContent(rebuilt));
        assertEquals(image.offset(), rebuilt.offset());
        assertEquals(3, rebuilt.broker(1).brokerEpoch());
    }

    @Test
    void collidingTopicIgnoresItselfAndNamesWithoutDotsOrUnderscores() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(topic("x.y", B)), 3, 1);
        assertEquals("x.y", image.collidingTopic("x_y"));
        assertNull(image.collidingTopic("x.y"));
        assertNull(image.collidingTopic("xy"));
    }

    @Test
    void brokerFencingUnregistrationAndProducerIds() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(
            new BrokerRegistration(1, 3, A, "r", List.of(new Endpoint("PLAINTEXT", "h", 1, "SSL"))).toRecord(),
            new io.samsa.metadata.record.FenceBrokerRecord().setId(1).setEpoch(3),
            new io.samsa.metadata.record.ProducerIdsRecord().setBrokerId(1).setBrokerEpoch(3).setNextProducerId(1000)),
            3, 1);
        assertTrue(image.broker(1).fenced());
        assertEquals("SSL", image.broker(1).listener("PLAINTEXT").securityProtocol());
        assertEquals(1000, image.nextProducerId());
        MetadataDelta d = new MetadataDelta(image);
        d.replay(List.of(new io.samsa.metadata.record.UnfenceBrokerRecord().setId(1).setEpoch(3),
            new io.samsa.metadata.record.NoOpRecord()), 6, 1);
        assertEquals(Set.of(1), d.registeredBrokers());
        MetadataImage unfenced = d.apply();
        assertEquals(false, unfenced.broker(1).fenced());
        assertEquals(7, unfenced.offset());
        MetadataDelta gone = new MetadataDelta(unfenced);
        gone.replay(new io.samsa.metadata.record.UnregisterBrokerRecord().setBrokerId(1).setBrokerEpoch(3), 8, 1);
        assertEquals(Set.of(1), gone.unregisteredBrokers());
        assertNull(gone.apply().broker(1));
        for (Message bad : List.<Message>of(
                new io.samsa.metadata.record.FenceBrokerRecord().setId(1).setEpoch(4),
                new io.samsa.metadata.record.UnregisterBrokerRecord().setBrokerId(2).setBrokerEpoch(0),
                new io.samsa.metadata.record.ProducerIdsRecord().setNextProducerId(1000))) {
            SamsaException e = assertThrows(SamsaException.class,
                () -> MetadataDelta.replayAll(image, List.of(bad), 10, 1), bad.toString());
            assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.errorCode());
        }
        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        assertTrue(image.sameContent(rebuilt.apply()));
    }

    @Test
    void aclsAreCreatedRemovedAndKeptInSnapshots() {
        UUID a = new UUID(1, 1);
        UUID b = new UUID(2, 2);
        AclBinding read = new AclBinding(AclResourceType.TOPIC, "orders", AclPatternType.LITERAL, "User:alice", "*",
            AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding deny = new AclBinding(AclResourceType.GROUP, "g-", AclPatternType.PREFIXED, "User:*", "10.0.0.1",
            AclOperation.ALL, AclPermissionType.DENY);
        MetadataImage image = MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(read.toRecord(a),
            deny.toRecord(b)), 0, 1);
        assertEquals(Map.of(a, read, b, deny), image.acls());
        MetadataDelta d = new MetadataDelta(image);
        d.replay(new io.samsa.metadata.record.RemoveAccessControlEntryRecord().setId(a), 2, 1);
        assertTrue(d.aclsChanged());
        MetadataImage after = d.apply();
        assertEquals(Map.of(b, deny), after.acls());
        MetadataImage same = MetadataDelta.replayAll(after, List.of(new io.samsa.metadata.record.NoOpRecord()), 3, 1);
        assertSame(after.acls(), same.acls(), "images share the ACL map until ACLs change");
        MetadataImage rebuilt = MetadataDelta.ofImage(after).apply();
        assertTrue(rebuilt.sameContent(after));
        assertEquals(Map.of(b, deny), rebuilt.acls());
        assertThrows(SamsaException.class, () -> MetadataDelta.replayAll(after, List.of(deny.toRecord(b)), 3, 1));
        assertThrows(SamsaException.class, () -> MetadataDelta.replayAll(after,
            List.of(new io.samsa.metadata.record.RemoveAccessControlEntryRecord().setId(a)), 3, 1));
    }

    @Test
    void clientQuotasAreSetRemovedAndRebuiltFromASnapshot() {
        ClientQuotaEntity alice = ClientQuotaEntity.of(true, "alice", false, null);
        ClientQuotaEntity defaultClient = ClientQuotaEntity.of(false, null, true, null);
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(
            alice.toRecord("producer_byte_rate", 1024.0),
            alice.toRecord("consumer_byte_rate", 2048.0),
            defaultClient.toRecord("request_percentage", 50.0),
            alice.toRecord("producer_byte_rate", null)), 3, 1);
        assertEquals(Map.of(alice, Map.of("consumer_byte_rate", 2048.0),
            defaultClient, Map.of("request_percentage", 50.0)), image.clientQuotas());
        assertEquals("{client-id=<default>}", defaultClient.toString());

        MetadataDelta d = new MetadataDelta(image);
        d.replay(defaultClient.toRecord("request_percentage", null), 7, 1);
        assertTrue(d.clientQuotasChanged());
        assertEquals(Map.of(alice, Map.of("consumer_byte_rate", 2048.0)), d.apply().clientQuotas());

        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        assertTrue(image.sameContent(rebuilt.apply()));
    }
}
