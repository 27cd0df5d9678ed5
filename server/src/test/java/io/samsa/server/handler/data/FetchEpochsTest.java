package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.log.ReadResult;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.replication.HostingChange;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionAssignment;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's answers to fetches about leader epochs, read back by the official client's message classes at every
 * version from 12 to 17: {@code current_leader_epoch} fencing (FENCED_LEADER_EPOCH older, UNKNOWN_LEADER_EPOCH newer),
 * {@code last_fetched_epoch} → {@code diverging_epoch} (KIP-320), and from v16 the current leader and its endpoint
 * on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (KIP-951); and KIP-392's preferred read replica from a rack-aware
 * leader. Node 1 leads orders-0 in epoch 5 (epoch 3 wrote offsets
 * 0-4, epoch 5 offsets 5-7) with follower 2; node 2 leads orders-1 in epoch 7. One simulated thread, no sockets.
 */
class FetchEpochsTest {
    private static final UUID TOPIC_ID = new UUID(7, 8);

    @TempDir
    Path dir;
    private final SimScheduler scheduler = new SimScheduler(new Random(1), 1_000_000);
    private final SimExecutor conn = scheduler.executor("conn");
    private LogManager logs;
    private ReplicaManager replicas;
    private FetchHandler handler;

    private static MetadataImage image() {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
                new BrokerRegistration(1, 10, new UUID(3, 1), null,
                        List.of(new Endpoint("PLAINTEXT", "10.0.0.1", 9092, "PLAINTEXT"))).toRecord(),
                new BrokerRegistration(2, 11, new UUID(3, 2), "rack-b",
                        List.of(new Endpoint("PLAINTEXT", "10.0.0.2", 9093, "PLAINTEXT"))).toRecord(),
                new TopicRecord().setName("orders").setTopicId(TOPIC_ID),
                new PartitionRegistration(0, List.of(1, 2), List.of(1, 2), 1, 5, 2).toRecord(TOPIC_ID),
                new PartitionRegistration(1, List.of(2), List.of(2), 2, 7, 1).toRecord(TOPIC_ID)), 0, 1);
    }

    private static HostingChange led(int leaderEpoch) {
        return new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", TOPIC_ID, 2, LogConfig.DEFAULTS,
                1, List.of(new PartitionAssignment(0, 1, leaderEpoch, leaderEpoch, List.of(1), List.of(1, 2)),
                        new PartitionAssignment(1, 2, 7, 1, List.of(2), List.of(2))))), false);
    }

    private void append(int records) {
        SimpleRecord[] recs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            recs[i] = new SimpleRecord(1_000 + i, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuf b = Unpooled.wrappedBuffer(MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.NONE,
                TimestampType.CREATE_TIME, recs).buffer());
        Partition p = replicas.partition("orders", 0);
        replicas.shards().execute(p, () -> {
            try {
                p.appendAsLeader(b, 1);
            } finally {
                b.release();
            }
        });
        scheduler.runFor(0);
    }

    @BeforeEach
    void start() throws Exception {
        logs = LogManager.builder(dir).clock(new ManualClock(1_000)).build();
        replicas = new ReplicaManager(1, logs, new ShardProxy(List.of(scheduler.executor("shard"))),
                scheduler.executor("hosting"), 300_000);
        replicas.apply(led(3));
        scheduler.runFor(0);
        append(5);
        replicas.apply(led(5));
        scheduler.runFor(0);
        append(3);
        MetadataImage image = image();
        handler = new FetchHandler(new PartitionLookup(replicas, () -> image), new FetchSessionCache(10,
                new ManualClock(0), FetchSessionCache.EVICTION_MS), new ManualClock(0), 1 << 20);
    }

    @AfterEach
    void stop() throws Exception {
        replicas.close();
        logs.close();
    }

    private FetchRequest request(short version, int replicaId, int partition, long offset, int currentLeaderEpoch,
                                 int lastFetchedEpoch) {
        FetchRequest req = new FetchRequest().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setSessionEpoch(-1);
        if (version >= 15) {
            req.replicaState().setReplicaId(replicaId).setReplicaEpoch(replicaId >= 0 ? 11 : -1);
        } else {
            req.setReplicaId(replicaId);
        }
        FetchRequest.FetchTopic t = new FetchRequest.FetchTopic();
        if (version >= 13) {
            t.setTopicId(TOPIC_ID);
        } else {
            t.setTopic("orders");
        }
        t.partitions().add(new FetchRequest.FetchPartition().setPartition(partition).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(currentLeaderEpoch)
                .setLastFetchedEpoch(lastFetchedEpoch).setLogStartOffset(-1));
        req.topics().add(t);
        return req;
    }

    /** Runs the handler on the connection's executor and decodes its answer with Kafka's classes. */
    private FetchResponseData fetch(short version, FetchRequest req) {
        FetchResponse r = assertInstanceOf(FetchResponse.class, answer(version, req), "no records in these answers");
        ByteBuf buf = Unpooled.buffer(r.size(version));
        r.write(buf, version);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return new FetchResponseData(new ByteBufferAccessor(ByteBuffer.wrap(bytes)), version);
    }

    /** Runs the handler on the connection's executor; its answer, maybe with records still in their files. */
    private Message answer(short version, FetchRequest req) {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        RequestContext ctx = new RequestContext((short) 1, version, 1, "test", "PLAINTEXT", null, conn, null, null,
                0L);
        conn.execute(() -> handler.handle(ctx, req, new ResponseSink() {
            @Override
            public void send(Message response) {
                answer.complete(response);
            }

            @Override
            public void sendNothing() {
                answer.completeExceptionally(new AssertionError("sendNothing"));
            }

            @Override
            public void closeConnection(String reason) {
                answer.completeExceptionally(new AssertionError(reason));
            }
        }));
        scheduler.runUntil(answer::isDone);
        return answer.join();
    }

    private static FetchResponseData.PartitionData only(FetchResponseData r) {
        assertEquals(1, r.responses().size());
        assertEquals(1, r.responses().get(0).partitions().size());
        return r.responses().get(0).partitions().get(0);
    }

    @Test
    void anOlderCurrentLeaderEpochIsFencedAndNamesTheLeaderFromV16() {
        for (short v = 12; v <= 17; v++) {
            for (int replicaId : new int[] {-1, 2}) {
                FetchResponseData r = fetch(v, request(v, replicaId, 0, 0, 4, -1));
                FetchResponseData.PartitionData pd = only(r);
                assertEquals(ErrorCode.FENCED_LEADER_EPOCH.code(), pd.errorCode(), "v" + v);
                assertEquals(-1, pd.highWatermark());
                if (v >= 16) {
                    assertEquals(1, pd.currentLeader().leaderId());
                    assertEquals(5, pd.currentLeader().leaderEpoch());
                    assertEquals(1, r.nodeEndpoints().size());
                    FetchResponseData.NodeEndpoint e = r.nodeEndpoints().iterator().next();
                    assertEquals(1, e.nodeId());
                    assertEquals("10.0.0.1", e.host());
                    assertEquals(9092, e.port());
                } else {
                    assertEquals(-1, pd.currentLeader().leaderId());
                }
            }
        }
    }

    @Test
    void aNewerCurrentLeaderEpochIsUnknown() {
        for (short v = 12; v <= 17; v++) {
            FetchResponseData r = fetch(v, request(v, 2, 0, 0, 6, -1));
            FetchResponseData.PartitionData pd = only(r);
            assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH.code(), pd.errorCode(), "v" + v);
            assertEquals(-1, pd.currentLeader().leaderId(), "no hint for an unknown epoch");
            assertTrue(r.nodeEndpoints().isEmpty());
        }
    }

    @Test
    void aFollowerPastTheEndOfItsLastEpochGetsTheDivergingEpoch() {
        for (short v = 12; v <= 17; v++) {
            FetchResponseData.PartitionData pd = only(fetch(v, request(v, 2, 0, 7, 5, 3)));
            assertEquals(ErrorCode.NONE.code(), pd.errorCode(), "v" + v);
            assertEquals(3, pd.divergingEpoch().epoch());
            assertEquals(5, pd.divergingEpoch().endOffset());
            assertEquals(0, pd.records() == null ? 0 : pd.records().sizeInBytes(), "no records");
            assertEquals(0, pd.logStartOffset());
        }
    }

    @Test
    void aConsistentFollowerFetchReadsToTheLogEndWithTheHighWatermark() {
        Partition p = replicas.partition("orders", 0);
        for (short v = 12; v <= 17; v++) {
            // At the log end: nothing to read, no divergence; the fetch is recorded as follower 2's log end.
            FetchResponseData.PartitionData pd = only(fetch(v, request(v, 2, 0, 8, 5, 5)));
            assertEquals(ErrorCode.NONE.code(), pd.errorCode(), "v" + v);
            assertEquals(-1, pd.divergingEpoch().epoch());
            assertEquals(8, pd.highWatermark(), "follower 2 is not in the ISR: the leader's log end");
            scheduler.runFor(0);
            assertEquals(8, p.followerStates().get(0).logEndOffset());
            if (v >= 15) {
                assertEquals(11, p.followerStates().get(0).brokerEpoch(), "replica_state.replica_epoch");
            }
        }
    }

    @Test
    void aPartitionLedElsewhereNamesItsLeaderFromV16() {
        for (short v = 12; v <= 17; v++) {
            FetchResponseData r = fetch(v, request(v, -1, 1, 0, -1, -1));
            FetchResponseData.PartitionData pd = only(r);
            assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER.code(), pd.errorCode(), "v" + v);
            if (v >= 16) {
                assertEquals(2, pd.currentLeader().leaderId());
                assertEquals(7, pd.currentLeader().leaderEpoch());
                FetchResponseData.NodeEndpoint e = r.nodeEndpoints().iterator().next();
                assertEquals(2, e.nodeId());
                assertEquals("10.0.0.2", e.host());
                assertEquals(9093, e.port());
                assertEquals("rack-b", e.rack());
            } else {
                assertEquals(-1, pd.currentLeader().leaderId());
                assertTrue(r.nodeEndpoints().isEmpty());
            }
        }
    }
    @Test
    void aRackAwareLeaderSendsAConsumerToTheInSyncFollowerInItsRack() {
        MetadataImage image = image();
        handler = new FetchHandler(new PartitionLookup(replicas, () -> image), new FetchSessionCache(10,
                new ManualClock(0), FetchSessionCache.EVICTION_MS), new ManualClock(0), 1 << 20, 1,
                ReadReplicaSelector.RACK_AWARE_SELECTOR);
        // Follower 2 (rack-b) has every record but is not in the ISR yet: the leader serves.
        only(fetch((short) 17, request((short) 17, 2, 0, 8, 5, 5)));
        scheduler.runFor(0);
        // (Consumers at the log end here: the leader's own answers carry no records.)
        FetchRequest consumer = request((short) 17, -1, 0, 8, 5, -1).setRackId("rack-b");
        FetchResponseData.PartitionData pd = only(fetch((short) 17, consumer));
        assertEquals(ErrorCode.NONE.code(), pd.errorCode());
        assertEquals(-1, pd.preferredReadReplica(), "2 is out of the ISR");

        replicas.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", TOPIC_ID, 2,
                LogConfig.DEFAULTS, 1, List.of(new PartitionAssignment(0, 1, 5, 6, List.of(1, 2), List.of(1, 2))))),
                false));
        scheduler.runFor(0);
        for (short v = 11; v <= 17; v++) {
            pd = only(fetch(v, request(v, -1, 0, 0, 5, -1).setRackId("rack-b")));
            assertEquals(ErrorCode.NONE.code(), pd.errorCode(), "v" + v);
            assertEquals(2, pd.preferredReadReplica(), "v" + v + ": the in-sync follower in the client's rack");
            assertEquals(0, pd.records() == null ? 0 : pd.records().sizeInBytes(), "no records from the leader");
            assertEquals(8, pd.highWatermark());
            assertEquals(0, pd.logStartOffset());
        }
        pd = only(fetch((short) 17, request((short) 17, -1, 0, 8, 5, -1).setRackId("rack-z")));
        assertEquals(-1, pd.preferredReadReplica(), "no replica in rack-z: the leader");
        pd = only(fetch((short) 17, request((short) 17, -1, 0, 8, 5, -1)));
        assertEquals(-1, pd.preferredReadReplica(), "no client rack: the leader");
        pd = only(fetch((short) 10, request((short) 10, -1, 0, 8, 5, -1)));
        assertEquals(-1, pd.preferredReadReplica(), "below v11 the consumer names no rack");
        pd = only(fetch((short) 17, request((short) 17, -1, 0, 9, 5, -1).setRackId("rack-b")));
        assertEquals(-1, pd.preferredReadReplica(), "2 has not reached offset 9");
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE.code(), pd.errorCode());
    }

    /** An incremental fetch by follower 2 listing no partition. */
    private static FetchRequest incremental(int sessionId, int epoch) {
        FetchRequest req = new FetchRequest().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setSessionId(sessionId).setSessionEpoch(epoch);
        req.replicaState().setReplicaId(2).setReplicaEpoch(11);
        return req;
    }

    private static FetchResponse body(Message m) {
        return m instanceof FetchResponseWithFiles w ? w.response() : (FetchResponse) m;
    }

    /** The bytes of a partition's answered records (released here). */
    private static int recordBytes(FetchResponse.PartitionData pd) {
        if (pd.records() instanceof FileRecords f) {
            int n = f.sizeInBytes();
            f.release();
            return n;
        }
        return pd.records() == null ? 0 : pd.records().sizeInBytes();
    }

    /** The bytes of the leader's log from {@code offset} to its end. */
    private static int logBytes(Partition p, long offset) {
        ReadResult r = p.log().read(offset, 1 << 20, Long.MAX_VALUE, true);
        try {
            return r.records().length();
        } finally {
            r.release();
        }
    }

    @Test
    void aFollowerInAnIncrementalSessionReadsToTheLogEndAndGetsItsDivergingEpoch() {
        short v = 17;
        Partition p = replicas.partition("orders", 0);
        replicas.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", TOPIC_ID, 2,
                LogConfig.DEFAULTS, 1, List.of(new PartitionAssignment(0, 1, 5, 6, List.of(1, 2), List.of(1, 2))))),
                false));
        scheduler.runFor(0);
        // A full fetch that opens a session (epoch 0), at the log end: follower 2's log end is 8.
        FetchResponseData full = fetch(v, request(v, 2, 0, 8, 5, 5).setSessionEpoch(0));
        int session = full.sessionId();
        assertTrue(session != 0, "a session for the follower");
        assertEquals(8, only(full).highWatermark());
        scheduler.runFor(0);
        assertEquals(8, p.followerStates().get(0).logEndOffset());

        // Two more records: the high watermark waits for follower 2 (in the ISR); the follower reads past it.
        append(2);
        assertEquals(10, p.logEndOffset());
        assertEquals(8, p.highWatermark());
        FetchResponse tail = body(answer(v, incremental(session, 1)));
        assertEquals(session, tail.sessionId());
        assertEquals(1, tail.responses().size());
        FetchResponse.PartitionData pd = tail.responses().get(0).partitions().get(0);
        assertEquals(8, pd.highWatermark());
        assertEquals(logBytes(p, 8), recordBytes(pd), "offsets 8-9 from the cached fetch offset, to the log end");

        // Listing its new log end: recorded (on the shard, after this read: this answer has nothing new).
        FetchResponseData moved = fetch(v, request(v, 2, 0, 10, 5, 5).setSessionId(session).setSessionEpoch(2));
        assertEquals(0, moved.responses().size());
        scheduler.runFor(0);
        assertEquals(10, p.followerStates().get(0).logEndOffset());
        assertEquals(10, p.highWatermark());
        assertEquals(10, only(fetch(v, incremental(session, 3))).highWatermark(), "the new high watermark");
        assertEquals(0, fetch(v, incremental(session, 4)).responses().size(), "nothing changed: nothing answered");

        // A last fetched epoch of 3 at offset 7: the leader's epoch 3 ends at 5.
        FetchResponseData.PartitionData div = only(fetch(v, request(v, 2, 0, 7, 5, 3).setSessionId(session)
                .setSessionEpoch(5)));
        assertEquals(3, div.divergingEpoch().epoch());
        assertEquals(5, div.divergingEpoch().endOffset());
        assertEquals(0, div.records() == null ? 0 : div.records().sizeInBytes(), "no records");
        // Not listed again: the session still holds offset 7 in epoch 3, so the divergence is answered again.
        div = only(fetch(v, incremental(session, 6)));
        assertEquals(3, div.divergingEpoch().epoch());
        assertEquals(5, div.divergingEpoch().endOffset());
        scheduler.runFor(0);
        assertEquals(10, p.followerStates().get(0).logEndOffset(), "a diverging fetch is not recorded");
        // Truncated to 5: epoch 5's batches from there.
        FetchResponse after = body(answer(v, request(v, 2, 0, 5, 5, 3).setSessionId(session).setSessionEpoch(7)));
        pd = after.responses().get(0).partitions().get(0);
        assertEquals(-1, pd.divergingEpoch().epoch());
        assertEquals(logBytes(p, 5), recordBytes(pd));

        FetchResponseData stale = fetch(v, incremental(session, 7));
        assertEquals(ErrorCode.INVALID_FETCH_SESSION_EPOCH.code(), stale.errorCode());
        assertEquals(0, stale.sessionId());
        assertEquals(ErrorCode.FETCH_SESSION_ID_NOT_FOUND.code(), fetch(v, incremental(session + 1, 1)).errorCode());
    }

    @Test
    void aConsumerInAnIncrementalSessionIsSentToItsPreferredReplicaEveryTime() {
        MetadataImage image = image();
        handler = new FetchHandler(new PartitionLookup(replicas, () -> image), new FetchSessionCache(10,
                new ManualClock(0), FetchSessionCache.EVICTION_MS), new ManualClock(0), 1 << 20, 1,
                ReadReplicaSelector.RACK_AWARE_SELECTOR);
        replicas.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", TOPIC_ID, 2,
                LogConfig.DEFAULTS, 1, List.of(new PartitionAssignment(0, 1, 5, 6, List.of(1, 2), List.of(1, 2))))),
                false));
        scheduler.runFor(0);
        only(fetch((short) 17, request((short) 17, 2, 0, 8, 5, 5)));
        scheduler.runFor(0);
        FetchResponseData full = fetch((short) 17, request((short) 17, -1, 0, 0, 5, -1).setRackId("rack-b")
                .setSessionEpoch(0));
        assertEquals(2, only(full).preferredReadReplica());
        FetchRequest inc = new FetchRequest().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setSessionId(full.sessionId()).setSessionEpoch(1).setRackId("rack-b");
        inc.replicaState().setReplicaId(-1);
        assertEquals(2, only(fetch((short) 17, inc)).preferredReadReplica(), "unchanged offsets, still answered");
    }
}
