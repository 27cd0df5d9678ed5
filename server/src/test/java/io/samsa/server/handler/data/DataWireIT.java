package io.samsa.server.handler.data;

import io.samsa.server.OfficialWire;
import static io.samsa.server.handler.data.DataTestSupport.createTopic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exact protocol behaviour of the data APIs, over a socket with the official client's message classes. */
@Timeout(60)
class DataWireIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false"));
        createTopic(broker, "wire", 3, Map.of());
        createTopic(broker, "sessions", 2, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static MemoryRecords records(boolean transactional, String... values) {
        SimpleRecord[] rs = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.NONE, TimestampType.CREATE_TIME,
                transactional ? 77L : -1L, transactional ? (short) 0 : (short) -1, transactional ? 0 : -1,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, transactional, rs);
    }

    static ProduceRequestData produce(String topic, int partition, short acks, MemoryRecords records) {
        ProduceRequestData req = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
        req.topicData().add(t);
        return req;
    }

    static ProduceResponseData.PartitionProduceResponse produceOne(OfficialWire w, short version, ProduceRequestData req)
            throws Exception {
        ByteBuffer b = w.send(ApiKeys.PRODUCE, version, req);
        ProduceResponseData r = new ProduceResponseData(new ByteBufferAccessor(b), version);
        return r.responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void produceErrorsFollowKafka() throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    produceOne(w, (short) 9, produce("missing", 0, (short) 1, records(false, "a"))).errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    produceOne(w, (short) 9, produce("wire", 7, (short) 1, records(false, "a"))).errorCode());
            assertEquals(Errors.INVALID_REQUIRED_ACKS.code(),
                    produceOne(w, (short) 9, produce("wire", 0, (short) 2, records(false, "a"))).errorCode());
            ProduceResponseData.PartitionProduceResponse txn =
                    produceOne(w, (short) 9, produce("wire", 0, (short) -1, records(true, "t")));
            assertEquals(Errors.INVALID_TXN_STATE.code(), txn.errorCode());
            assertEquals(-1, txn.baseOffset());
            ProduceRequestData v13 = produce("ignored", 0, (short) 1, records(false, "a"));
            v13.topicData().iterator().next().setName("").setTopicId(org.apache.kafka.common.Uuid.randomUuid());
            assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), produceOne(w, (short) 13, v13).errorCode());
            ProduceResponseData.PartitionProduceResponse ok =
                    produceOne(w, (short) 9, produce("wire", 2, (short) -1, records(false, "a", "b")));
            assertEquals(0, ok.errorCode());
            assertEquals(0, ok.baseOffset());
            assertEquals(0, ok.logStartOffset());
            assertEquals(-1, ok.logAppendTimeMs());
        }
    }

    @Test
    void acksZeroSendsNothingAndClosesTheConnectionOnError() throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            w.write(ApiKeys.PRODUCE, (short) 9, produce("wire", 1, (short) 0, records(false, "x")));
            // The next response on the connection belongs to the next request: acks=0 got none.
            InitProducerIdResponseData r = new InitProducerIdResponseData(new ByteBufferAccessor(w.send(
                    ApiKeys.INIT_PRODUCER_ID, (short) 4, new InitProducerIdRequestData().setTransactionalId(null)
                            .setTransactionTimeoutMs(1000))), (short) 4);
            assertEquals(0, r.errorCode());
            w.write(ApiKeys.PRODUCE, (short) 9, produce("missing", 0, (short) 0, records(false, "x")));
            assertTrue(w.closedByPeer(), "an acks=0 produce that fails closes the connection");
        }
    }

    @Test
    void transactionalInitProducerIdIsRefusedWhileIdempotentWorks() throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            ByteBuffer b = w.send(ApiKeys.INIT_PRODUCER_ID, (short) 4, new InitProducerIdRequestData()
                    .setTransactionalId("txn-1").setTransactionTimeoutMs(60_000));
            assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(),
                    new InitProducerIdResponseData(new ByteBufferAccessor(b), (short) 4).errorCode());
        }
    }

    private static FetchRequestData fetch(String topic, int sessionId, int epoch, long... offsets) {
        FetchRequestData req = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionId(sessionId).setSessionEpoch(epoch);
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(topic);
        for (int p = 0; p < offsets.length; p++) {
            if (offsets[p] >= 0) {
                t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(offsets[p])
                        .setPartitionMaxBytes(1 << 20));
            }
        }
        if (!t.partitions().isEmpty()) {
            req.topics().add(t);
        }
        return req;
    }

    private static FetchResponseData fetch(OfficialWire w, FetchRequestData req) throws Exception {
        short v = 12;
        return new FetchResponseData(new ByteBufferAccessor(w.send(ApiKeys.FETCH, v, req)), v);
    }

    @Test
    void incrementalFetchSessionsSendOnlyWhatChanged() throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            produceOne(w, (short) 9, produce("sessions", 1, (short) 1, records(false, "s0", "s1")));
            FetchResponseData full = fetch(w, fetch("sessions", 0, 0, 0, 0));
            assertEquals(0, full.errorCode());
            int session = full.sessionId();
            assertNotEquals(0, session, "a full request with epoch 0 opens a session");
            assertEquals(2, full.responses().get(0).partitions().size());
            FetchResponseData.PartitionData p1 = full.responses().get(0).partitions().get(1);
            assertEquals(1, p1.partitionIndex());
            assertEquals(2, p1.highWatermark());
            MemoryRecords got = (MemoryRecords) p1.records();
            assertEquals(2, got.batches().iterator().next().countOrNull());

            // Nothing changed: the incremental answer is empty.
            FetchResponseData inc = fetch(w, fetch("sessions", session, 1, -1, 2));
            assertEquals(0, inc.errorCode());
            assertEquals(session, inc.sessionId());
            assertTrue(inc.responses().isEmpty(), inc.toString());

            produceOne(w, (short) 9, produce("sessions", 0, (short) 1, records(false, "z")));
            FetchResponseData inc2 = fetch(w, fetch("sessions", session, 2));
            assertEquals(1, inc2.responses().size());
            assertEquals(List.of(0), inc2.responses().get(0).partitions().stream()
                    .map(FetchResponseData.PartitionData::partitionIndex).toList());

            assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH.code(),
                    fetch(w, fetch("sessions", session, 2)).errorCode());
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(),
                    fetch(w, fetch("sessions", session + 1, 1)).errorCode());
            FetchResponseData closed = fetch(w, fetch("sessions", session, -1, 0));
            assertEquals(0, closed.sessionId(), "epoch -1 closes the session: a sessionless fetch");
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(),
                    fetch(w, fetch("sessions", session, 3)).errorCode());
        }
    }

    @Test
    void fetchOutOfRangeAndOffsetForLeaderEpoch() throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            FetchResponseData r = fetch(w, fetch("wire", 0, -1, 1_000));
            assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), r.responses().get(0).partitions().get(0).errorCode());
            OffsetForLeaderEpochRequestData req = new OffsetForLeaderEpochRequestData();
            OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t =
                    new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("wire");
            t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(2)
                    .setLeaderEpoch(0).setCurrentLeaderEpoch(-1));
            req.topics().add(t);
            produceOne(w, (short) 9, produce("wire", 2, (short) 1, records(false, "e")));
            OffsetForLeaderEpochResponseData resp = new OffsetForLeaderEpochResponseData(
                    new ByteBufferAccessor(w.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, req)), (short) 4);
            OffsetForLeaderEpochResponseData.EpochEndOffset e = resp.topics().iterator().next().partitions().get(0);
            assertEquals(0, e.errorCode());
            assertEquals(0, e.leaderEpoch());
            long leo = broker.broker().services().replicas().partition("wire", 2).logEndOffset();
            assertEquals(leo, e.endOffset());
        }
    }
}
