package io.samsa.wire.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.ProtocolCodec;
import io.samsa.wire.protocol.RawTaggedField;
import io.samsa.wire.protocol.UnsupportedVersionException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Behaviour of generated classes that the random round trips do not pin down on their own. */
class GeneratedMessageBehaviourTest {

    @Test
    void defaultsComeFromTheSchema() {
        ProduceRequest p = new ProduceRequest();
        assertNull(p.transactionalId());
        assertEquals(List.of(), p.topicData());
        FetchRequest f = new FetchRequest();
        assertEquals(-1, f.replicaId());
        assertEquals(0x7fffffff, f.maxBytes());
        assertEquals(new UUID(0, 0), new FetchRequest.FetchTopic().topicId());
        assertEquals(-1L, new FetchRequest.FetchPartition().logStartOffset());
        assertNull(new FetchResponse.PartitionData().records());
    }

    @Test
    void ignorableFieldsAreDroppedAndOthersRefusedWhereAVersionCannotCarryThem() {
        // ProduceRequest TopicProduceData.Name exists up to v12 and is ignorable; v13 uses TopicId.
        ProduceRequest p = new ProduceRequest().setAcks((short) 1).setTopicData(List.of(
            new ProduceRequest.TopicProduceData().setName("orders").setTopicId(UUID.randomUUID())));
        ByteBuf buf = Unpooled.buffer();
        p.write(buf, (short) 13);
        ProduceRequest back = new ProduceRequest();
        back.read(buf, (short) 13);
        assertEquals("", back.topicData().get(0).name());
        // ListOffsetsRequest IsolationLevel exists from v2 and is not ignorable.
        ListOffsetsRequest l = new ListOffsetsRequest().setIsolationLevel((byte) 1);
        assertThrows(UnsupportedVersionException.class, () -> l.write(Unpooled.buffer(), (short) 1));
        assertThrows(UnsupportedVersionException.class, () -> l.write(Unpooled.buffer(), (short) 99));
    }

    @Test
    void responseFieldsAVersionCannotCarryAreLeftOut() {
        // ListOffsetsPartitionResponse.LeaderEpoch exists from v4 and is not ignorable: a v2 response leaves
        // it out (a v2 client has no place for it) instead of failing the whole response.
        ListOffsetsResponse r = new ListOffsetsResponse().setTopics(List.of(new ListOffsetsResponse
            .ListOffsetsTopicResponse().setName("t").setPartitions(List.of(new ListOffsetsResponse
            .ListOffsetsPartitionResponse().setPartitionIndex(0).setOffset(42).setLeaderEpoch(7)))));
        ByteBuf buf = Unpooled.buffer();
        r.write(buf, (short) 2);
        assertEquals(r.size((short) 2), buf.readableBytes());
        ListOffsetsResponse back = new ListOffsetsResponse();
        back.read(buf, (short) 2);
        ListOffsetsResponse.ListOffsetsPartitionResponse p = back.topics().get(0).partitions().get(0);
        assertEquals(42, p.offset());
        assertEquals(-1, p.leaderEpoch());
    }

    @Test
    void unknownTaggedFieldsSurviveAndComeOutInTagOrder() {
        // FetchRequest v12+: ClusterId is tag 0, ReplicaState (v15+) tag 1, ReplicaDirectoryId (v17+) tag 2.
        FetchRequest f = new FetchRequest().setClusterId("c");
        f.unknownTaggedFields().add(new RawTaggedField(3, new byte[] {9}));
        ByteBuf buf = Unpooled.buffer();
        f.write(buf, (short) 12);
        FetchRequest back = new FetchRequest();
        back.read(buf, (short) 12);
        assertEquals(f, back);
        assertEquals(List.of(new RawTaggedField(3, new byte[] {9})), back.unknownTaggedFields());
        // Tag 2 is unknown at v12 (ReplicaDirectoryId starts at v17), so it is kept raw and written between 0 and 3.
        ByteBuf raw = Unpooled.buffer();
        FetchRequest withTag2 = new FetchRequest().setClusterId("c");
        withTag2.unknownTaggedFields().add(new RawTaggedField(2, new byte[] {1, 2}));
        withTag2.unknownTaggedFields().add(new RawTaggedField(3, new byte[] {9}));
        withTag2.write(raw, (short) 12);
        int end = raw.writerIndex();
        // the tagged section: count 3; tag 0, size 2, compact "c"; tag 2, size 2, 01 02; tag 3, size 1, 09
        byte[] tail = new byte[12];
        raw.getBytes(end - 12, tail);
        assertEquals("03" + "00020263" + "02020102" + "030109", io.netty.buffer.ByteBufUtil.hexDump(tail));
    }

    @Test
    void recordsAreReadAsSlicesAndEqualByContent() {
        ProduceRequest p = new ProduceRequest().setTopicData(List.of(new ProduceRequest.TopicProduceData()
            .setName("t").setPartitionData(List.of(new ProduceRequest.PartitionProduceData()
                .setIndex(3).setRecords(ByteBufRecords.wrap(new byte[] {1, 2, 3}))))));
        ByteBuf buf = Unpooled.buffer();
        p.write(buf, (short) 9);
        ProduceRequest back = new ProduceRequest();
        back.read(buf, (short) 9);
        ByteBufRecords r = (ByteBufRecords) back.topicData().get(0).partitionData().get(0).records();
        assertEquals(3, r.sizeInBytes());
        assertTrue(r.buffer().unwrap() == buf || r.buffer().unwrap() == buf.unwrap(), "a slice of the input");
        assertEquals(p, back);
        assertTrue(back.toString().contains("ByteBufRecords(sizeInBytes=3)"), back.toString());
        assertEquals(ProtocolCodec.sizeOfUnsignedVarint(4) + 3,
            ProtocolCodec.sizeOfRecords(r, true));
    }
}
