package io.samsa.bench.ceiling;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CeilingHandlerTest {
    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private FetchChunk chunk;
    private EmbeddedChannel channel;
    private final List<ByteBuf> responses = new ArrayList<>();
    private int correlationId;

    @BeforeEach
    void setUp() {
        chunk = new FetchChunk(100, 1024, 4096);
        channel = new EmbeddedChannel(new CeilingHandler(new CeilingTopics(2), chunk, "127.0.0.1", 9092));
    }

    @AfterEach
    void tearDown() {
        responses.forEach(ByteBuf::release);
        channel.finishAndReleaseAll();
        chunk.release();
    }

    /**
     * Sends one request frame (without its size prefix, as FrameDecoder emits it) and decodes the answer,
     * whose records fields stay valid until tear-down.
     */
    private <T extends Message> T call(ApiMessageType api, short version, Message request, T response) {
        int id = ++correlationId;
        short hv = api.requestHeaderVersion(version);
        RequestHeader header = new RequestHeader().setRequestApiKey(api.id()).setRequestApiVersion(version)
                .setCorrelationId(id).setClientId("test");
        ByteBuf frame = alloc.buffer();
        header.write(frame, hv);
        request.write(frame, version);
        channel.writeInbound(frame);
        ByteBuf out = channel.readOutbound();
        responses.add(out);
        assertEquals(out.readableBytes() - 4, out.readInt());
        ResponseHeader rh = new ResponseHeader();
        rh.read(out, api.responseHeaderVersion(version));
        assertEquals(id, rh.correlationId());
        response.read(out, version);
        assertEquals(0, out.readableBytes());
        return response;
    }

    @Test
    void advertisesProduceAndFetch() {
        ApiVersionsResponse r = call(ApiMessageType.API_VERSIONS, (short) 3, new ApiVersionsRequest()
                .setClientSoftwareName("test").setClientSoftwareVersion("1"), new ApiVersionsResponse());
        List<Short> keys = new ArrayList<>();
        r.apiKeys().forEach(k -> keys.add(k.apiKey()));
        assertTrue(keys.contains(ApiMessageType.PRODUCE.id()), keys::toString);
        assertTrue(keys.contains(ApiMessageType.FETCH.id()), keys::toString);
    }

    @Test
    void produceAssignsIncreasingOffsetsByRecordCount() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            for (int i = 0; i < 3; i++) {
                b.append(1L, new byte[1], new byte[10]);
            }
            batch = b.build();
        }
        try {
            for (long expected : new long[] {0, 3}) {
                List<ProduceRequest.PartitionProduceData> parts = new ArrayList<>();
                parts.add(new ProduceRequest.PartitionProduceData().setIndex(1).setRecords(new ByteBufRecords(batch)));
                List<ProduceRequest.TopicProduceData> topics = new ArrayList<>();
                topics.add(new ProduceRequest.TopicProduceData().setName("t").setPartitionData(parts));
                ProduceResponse r = call(ApiMessageType.PRODUCE, (short) 9,
                        new ProduceRequest().setAcks((short) 1).setTimeoutMs(1000).setTopicData(topics),
                        new ProduceResponse());
                ProduceResponse.PartitionProduceResponse p = r.responses().get(0).partitionResponses().get(0);
                assertEquals(0, p.errorCode());
                assertEquals(expected, p.baseOffset());
            }
        } finally {
            batch.release();
        }
    }

    @Test
    void fetchServesValidBatchesStartingAtTheFetchOffset() {
        List<FetchRequest.FetchPartition> parts = new ArrayList<>();
        parts.add(new FetchRequest.FetchPartition().setPartition(0).setFetchOffset(1000).setPartitionMaxBytes(1 << 20));
        List<FetchRequest.FetchTopic> topics = new ArrayList<>();
        topics.add(new FetchRequest.FetchTopic().setTopic("t").setPartitions(parts));
        FetchResponse r = call(ApiMessageType.FETCH, (short) 12,
                new FetchRequest().setMaxBytes(1 << 20).setTopics(topics), new FetchResponse());
        FetchResponse.PartitionData pd = r.responses().get(0).partitions().get(0);
        ByteBuf records = ((ByteBufRecords) pd.records()).buffer();
        RecordBatchView view = new RecordBatchView();
        long next = 1000;
        int batches = 0;
        for (int pos = records.readerIndex(); pos < records.writerIndex(); pos += view.sizeInBytes()) {
            view.wrap(records, pos);
            assertEquals(next, view.baseOffset());
            assertTrue(view.isCrcValid());
            RecordCursor cursor = new RecordCursor();
            cursor.open(view, alloc, 1 << 20);
            try {
                while (cursor.next()) {
                    assertEquals(next++, cursor.offset());
                    assertEquals(100, cursor.valueLength());
                }
            } finally {
                cursor.close();
            }
            batches++;
        }
        assertEquals(4096 / chunk.batchSize(), batches);
        assertEquals(next, pd.highWatermark());
    }

    @Test
    void acksZeroProduceGetsNoAnswer() {
        List<ProduceRequest.TopicProduceData> topics = new ArrayList<>();
        RequestHeader header = new RequestHeader().setRequestApiKey(ApiMessageType.PRODUCE.id())
                .setRequestApiVersion((short) 9).setCorrelationId(99).setClientId("test");
        ByteBuf frame = alloc.buffer();
        header.write(frame, ApiMessageType.PRODUCE.requestHeaderVersion((short) 9));
        new ProduceRequest().setAcks((short) 0).setTopicData(topics).write(frame, (short) 9);
        channel.writeInbound(frame);
        assertNull(channel.readOutbound());
    }
}
