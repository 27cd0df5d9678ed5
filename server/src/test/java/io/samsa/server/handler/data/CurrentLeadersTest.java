package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ProduceResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.junit.jupiter.api.Test;

/**
 * Produce v10+ (KIP-951): NOT_LEADER_OR_FOLLOWER carries the current leader and its endpoint, read back by the
 * official client's message classes.
 */
class CurrentLeadersTest {
    private static final UUID TOPIC_ID = new UUID(1, 2);

    private static MetadataImage image() {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
                new BrokerRegistration(2, 10, new UUID(3, 4), "rack-b",
                        List.of(new Endpoint("PLAINTEXT", "10.0.0.2", 9093, "PLAINTEXT"),
                                new Endpoint("OTHER", "10.0.0.2", 9999, "PLAINTEXT"))).toRecord(),
                new TopicRecord().setName("orders").setTopicId(TOPIC_ID),
                new PartitionRegistration(0, List.of(2), List.of(2), 2, 7, 1).toRecord(TOPIC_ID),
                new PartitionRegistration(1, List.of(2), List.of(2), -1, 3, 1).toRecord(TOPIC_ID)), 0, 1);
    }

    private static ProduceResponse response(short version) {
        ProduceResponse r = new ProduceResponse();
        ProduceResponse.TopicProduceResponse t = new ProduceResponse.TopicProduceResponse();
        if (version >= 13) {
            t.setTopicId(TOPIC_ID);
        } else {
            t.setName("orders");
        }
        for (int i = 0; i < 3; i++) {
            short code = i == 2 ? ErrorCode.NONE.code() : ErrorCode.NOT_LEADER_OR_FOLLOWER.code();
            t.partitionResponses().add(new ProduceResponse.PartitionProduceResponse().setIndex(i).setErrorCode(code)
                    .setBaseOffset(-1));
        }
        r.responses().add(t);
        return r;
    }

    private static ProduceResponseData roundTrip(ProduceResponse r, short version) {
        ByteBuf buf = Unpooled.buffer(r.size(version));
        r.write(buf, version);
        ByteBuffer nio = ByteBuffer.wrap(new byte[buf.readableBytes()]);
        buf.readBytes(nio.array());
        buf.release();
        return new ProduceResponseData(new ByteBufferAccessor(nio), version);
    }

    @Test
    void notLeaderPartitionsCarryTheLeaderAndItsEndpoint() {
        for (short version : new short[] {10, 12, 13}) {
            ProduceResponse r = response(version);
            CurrentLeaders.fill(r, image(), "PLAINTEXT", version);
            ProduceResponseData back = roundTrip(r, version);
            List<ProduceResponseData.PartitionProduceResponse> ps =
                    back.responses().iterator().next().partitionResponses();
            assertEquals(2, ps.get(0).currentLeader().leaderId(), "v" + version);
            assertEquals(7, ps.get(0).currentLeader().leaderEpoch());
            assertEquals(-1, ps.get(1).currentLeader().leaderId(), "no leader: the defaults");
            assertEquals(-1, ps.get(1).currentLeader().leaderEpoch());
            assertEquals(-1, ps.get(2).currentLeader().leaderId(), "no error: the defaults");
            assertEquals(1, back.nodeEndpoints().size());
            ProduceResponseData.NodeEndpoint e = back.nodeEndpoints().iterator().next();
            assertEquals(2, e.nodeId());
            assertEquals("10.0.0.2", e.host());
            assertEquals(9093, e.port());
            assertEquals("rack-b", e.rack());
        }
    }

    @Test
    void anUnknownTopicKeepsTheDefaults() {
        ProduceResponse r = response((short) 10);
        CurrentLeaders.fill(r, MetadataImage.EMPTY, "PLAINTEXT", (short) 10);
        ProduceResponseData back = roundTrip(r, (short) 10);
        assertEquals(-1, back.responses().iterator().next().partitionResponses().get(0).currentLeader().leaderId());
        assertEquals(0, back.nodeEndpoints().size());
    }
}
