package io.samsa.controller;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataDeltaTest {
    private static final UUID A = new UUID(1, 1);
    private static final UUID B = new UUID(2, 2);

    private static MetadataImage base() {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
            new MetadataRecord.ClusterId("c"),
            new MetadataRecord.Topic("a", A),
            new MetadataRecord.Partition(A, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0)), 0, 1);
    }

    @Test
    void partitionChangeBumpsEpochs() {
        MetadataImage image = base();
        MetadataImage next = MetadataDelta.replayAll(image, List.of(
            new MetadataRecord.PartitionChange(A, 0, MetadataRecord.PartitionChange.NO_LEADER_CHANGE, List.of(1), null),
            new MetadataRecord.PartitionChange(A, 0, 2, null, null)), 3, 1);
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
            new MetadataRecord.RemoveTopic(A),
            new MetadataRecord.Topic("a", B),
            new MetadataRecord.Config(ConfigResource.Type.TOPIC, "a", "retention.ms", "1"),
            new MetadataRecord.Partition(B, 0, List.of(1), List.of(1), 1, 0, 0)), 3, 2);
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
        List<MetadataRecord> bad = List.of(
            new MetadataRecord.Topic("a", B),
            new MetadataRecord.Topic("other", A),
            new MetadataRecord.Partition(B, 0, List.of(1), List.of(1), 1, 0, 0),
            new MetadataRecord.PartitionChange(A, 5, 1, null, null),
            new MetadataRecord.RemoveTopic(B),
            new MetadataRecord.Config(ConfigResource.Type.TOPIC, "zzz", "k", "v"),
            new MetadataRecord.ClusterId("different"));
        for (MetadataRecord r : bad) {
            SamsaException e = assertThrows(SamsaException.class,
                () -> MetadataDelta.replayAll(image, List.of(r), 10, 1), r.toString());
            assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.errorCode());
        }
        assertThrows(SamsaException.class, () -> MetadataDelta.replayAll(image, List.of(
            new MetadataRecord.FeatureLevel("x", (short) 1)), 2, 1), "offset must move forward");
    }

    @Test
    void snapshotRecordsRebuildTheImage() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(
            new MetadataRecord.RegisterBroker(1, 3, A, null, List.of()),
            new MetadataRecord.Config(ConfigResource.Type.BROKER, "", "log.retention.ms", "5"),
            new MetadataRecord.FeatureLevel("metadata.version", (short) 7)), 3, 1);
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
        d.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        MetadataImage rebuilt = d.apply();
        assertTrue(image.sameContent(rebuilt));
        assertEquals(image.offset(), rebuilt.offset());
        assertEquals(3, rebuilt.broker(1).brokerEpoch());
    }

    @Test
    void collidingTopicIgnoresItselfAndNamesWithoutDotsOrUnderscores() {
        MetadataImage image = MetadataDelta.replayAll(base(), List.of(new MetadataRecord.Topic("x.y", B)), 3, 1);
        assertEquals("x.y", image.collidingTopic("x_y"));
        assertNull(image.collidingTopic("x.y"));
        assertNull(image.collidingTopic("xy"));
    }
}
