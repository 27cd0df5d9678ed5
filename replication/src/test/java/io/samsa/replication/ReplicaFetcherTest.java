package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.log.ReadResult;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower's replica fetchers on hand-driven executors (two shards, hosting, the fetchers' io) and a channel the
 * test answers by hand: the Fetch a follower sends (Kafka's fields at each version), records appended with the
 * leader's offsets and epochs, the follower's high watermark and log start following the leader's, truncation on a
 * diverging epoch (KIP-320) and after OFFSET_OUT_OF_RANGE, fencing and backoffs, and partitions moving between
 * fetchers as leadership changes.
 */
class ReplicaFetcherTest {
    private static final int NODE = 2;
    private static final int LEADER = 1;
    private static final UUID ORDERS = UUID.nameUUIDFromBytes("orders".getBytes());
    static final long BACKOFF = 1000;

    @TempDir
    Path dir;
    private final QueueExecutor shardA = new QueueExecutor("shard-a");
    private final QueueExecutor shardB = new QueueExecutor("shard-b");
    private final QueueExecutor hosting = new QueueExecutor("hosting");
    private final QueueExecutor io = new QueueExecutor("fetcher-io");
    private final FakeChannel channel = new FakeChannel();
    private final Random random = new Random(7);
    private LogManager logs;
    private ReplicaManager rm;
    private ReplicaFetcherManager fetchers;

    @BeforeEach
    void open() throws IOException {
        logs = LogManager.builder(dir).clock(new ManualClock(1_000)).build();
        rm = new ReplicaManager(NODE, logs, new ShardProxy(List.of(shardA, shardB)), hosting, 60_000);
        fetchers = startFetchers(rm, channel, io, (short) 17);
    }

    /**
     * Node 2's fetchers, started, with the tests' settings: one fetcher per leader, 64 KiB per partition, 1 MB per
     * response, 250 ms wait, min bytes 1, {@link #BACKOFF}, Fetch {@code version}, ListOffsets v7, broker epoch 42.
     */
    static ReplicaFetcherManager startFetchers(ReplicaManager rm, BrokerChannel channel, QueueExecutor io,
                                               short version) {
        ReplicaFetcherManager f = new ReplicaFetcherManager(rm, channel, io, () -> 42L,
                new ReplicaFetcherManager.Settings(1, 65_536, 1_000_000, 250, 1, BACKOFF, version, (short) 7));
        f.start();
        return f;
    }

    @AfterEach
    void close() throws IOException {
        fetchers.close();
        runAll();
        rm.close();
        logs.close();
    }

    private void runAll() {
        QueueExecutor.runAll(hosting, shardA, shardB, io);
    }

    private void host(int leader, int epoch, List<Integer> replicas) {
        CompletableFuture<Void> done = rm.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic(
                "orders", ORDERS, 1, LogConfig.DEFAULTS, 1, List.of(new PartitionAssignment(0, leader, epoch, 0,
                replicas, replicas)))), false));
        runAll();
        assertTrue(done.isDone());
    }

    private Partition orders() {
        return rm.partition("orders", 0);
    }

    @Test
    void sendsKafkasFollowerFetch() {
        host(LEADER, 5, List.of(LEADER, NODE));
        FakeChannel.Request r = channel.next();
        assertEquals(LEADER, r.node());
        assertEquals(17, r.version());
        FetchRequest req = (FetchRequest) roundTrip(r.request(), new FetchRequest(), r.version());
        assertEquals(NODE, req.replicaState().replicaId());
        assertEquals(42L, req.replicaState().replicaEpoch());
        assertEquals(250, req.maxWaitMs());
        assertEquals(1, req.minBytes());
        assertEquals(1_000_000, req.maxBytes());
        assertEquals(0, req.sessionId(), "the first fetch opens a session (KIP-227)");
        assertEquals(0, req.sessionEpoch());
        assertEquals(1, req.topics().size());
        assertEquals(ORDERS, req.topics().get(0).topicId());
        FetchRequest.FetchPartition fp = req.topics().get(0).partitions().get(0);
        assertEquals(0, fp.partition());
        assertEquals(0L, fp.fetchOffset());
        assertEquals(5, fp.currentLeaderEpoch());
        assertEquals(-1, fp.lastFetchedEpoch());
        assertEquals(0L, fp.logStartOffset());
        assertEquals(65_536, fp.partitionMaxBytes());
        assertNull(channel.sent.peek(), "one fetch in flight per fetcher");
    }

    @Test
    void olderVersionsNameTheReplicaAndTheTopic() throws IOException {
        fetchers.close();
        runAll();
        fetchers = startFetchers(rm, channel, io, (short) 12);
        host(LEADER, 5, List.of(LEADER, NODE));
        FakeChannel.Request r = channel.next();
        FetchRequest req = (FetchRequest) roundTrip(r.request(), new FetchRequest(), r.version());
        assertEquals(NODE, req.replicaId());
        assertEquals("orders", req.topics().get(0).topic());
    }

    @Test
    void appendsTheLeadersBatchesAndFollowsItsHighWatermarkAndLogStart() {
        host(LEADER, 5, List.of(LEADER, NODE));
        ByteBuf leader = Unpooled.buffer();
        // (the leader's log: what the follower must hold)
        ByteBuf first = SimBatches.rewritten(SimBatches.random(random, 1_000), 0, 5);
        long end = lastOffset(first) + 1;
        leader.writeBytes(first.duplicate());
        channel.next().future().complete(fetchResponse(first, end - 1, 0));
        runAll();
        Partition p = orders();
        assertEquals(end, p.logEndOffset());
        assertEquals(end - 1, p.highWatermark(), "the leader's high watermark, below the log end");
        assertEquals(5, p.log().latestEpoch());
        assertArrayEquals(bytes(leader), followerBytes(p, 0), "the follower's log is the leader's, byte for byte");
        assertThrows(SamsaException.class, () -> p.read(0, 100, false, true), "a follower serves no consumer");

        FakeChannel.Request again = channel.next();
        FetchRequest.FetchPartition fp = ((FetchRequest) again.request()).topics().get(0).partitions().get(0);
        assertEquals(end, fp.fetchOffset());
        assertEquals(5, fp.lastFetchedEpoch());

        ByteBuf second = SimBatches.rewritten(SimBatches.random(random, 1_000), end, 6);
        long end2 = lastOffset(second) + 1;
        leader.writeBytes(second.duplicate());
        again.future().complete(fetchResponse(second, end2 + 100, end));
        runAll();
        assertEquals(end2, p.logEndOffset());
        assertEquals(end2, p.highWatermark(), "never above the follower's own log end");
        assertEquals(end, p.logStartOffset(), "DeleteRecords on the leader reaches the follower");
        assertEquals(6, p.log().latestEpoch());
        assertArrayEquals(bytes(second), followerBytes(p, end), "the follower's log is the leader's, byte for byte");
        assertEquals(2, fetchers.fetchers().get(0).batchesAppended, fetchers.fetchers().get(0).batchesAppended
                + " batches");
    }

    @Test
    void aDurableModeFollowerReportsOnlyWhatItFsynced() throws Exception {
        CompletableFuture<Void> done = rm.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic(
                "orders", ORDERS, 1, LogConfig.fromMap(java.util.Map.of(LogConfig.FLUSH_MESSAGES, "1")), 1,
                List.of(new PartitionAssignment(0, LEADER, 5, 0, List.of(LEADER, NODE), List.of(LEADER, NODE))))),
                false));
        runAll();
        assertTrue(done.isDone());
        Partition p = orders();
        channel.recoveryPoint = () -> p.log().recoveryPoint();
        ByteBuf batch = SimBatches.rewritten(SimBatches.random(random, 1_000), 0, 5);
        long end = lastOffset(batch) + 1;
        BrokerResponse first = fetchResponse(batch, end, 0);
        first.body(FetchResponse.class).setSessionId(9);
        channel.next().future().complete(first);
        runAll();
        assertEquals(end, p.logEndOffset());
        // The next fetch waits for the flusher (another thread) and then reports a durable log end.
        while (channel.sent.isEmpty()) {
            assertTrue(io.awaitQueued(), "the fsync completes and the fetcher goes on");
            runAll();
        }
        FetchRequest.FetchPartition fp = ((FetchRequest) channel.next().request()).topics().get(0).partitions()
                .get(0);
        assertEquals(end, fp.fetchOffset());
        assertTrue(p.log().recoveryPoint() >= end, "fetched from " + end + " with the recovery point at "
                + p.log().recoveryPoint());
        assertEquals(channel.recoveryPointAtSend.get(1), (Long) end, "fsynced before the fetch was sent");
        // The leader's high watermark (end), held back by the durable end at the answer, is taken again once the
        // appends are fsynced: the next answer in the session (KIP-227) leaves the unchanged partition out.
        assertEquals(end, p.highWatermark());
    }

    @Test
    void aDivergingEpochTruncatesAsKip320Says() {
        host(LEADER, 5, List.of(LEADER, NODE));
        // The follower holds epoch 3 at 0-3 and epoch 4 at 4-7 (one record a batch).
        ByteBuf mine = Unpooled.buffer();
        for (int i = 0; i < 8; i++) {
            mine.writeBytes(SimBatches.rewritten(oneRecord(), i, i < 4 ? 3 : 4));
        }
        channel.next().future().complete(fetchResponse(mine, 6, 0));
        runAll();
        Partition p = orders();
        assertEquals(8, p.logEndOffset());
        assertEquals(6, p.highWatermark());
        FakeChannel.Request r = channel.next();
        assertEquals(4, ((FetchRequest) r.request()).topics().get(0).partitions().get(0).lastFetchedEpoch());
        // The leader ends epoch 4 at 6: the follower's end for epoch 4 is 8, so it truncates to 6.
        FetchResponse resp = fetchResponse(Unpooled.EMPTY_BUFFER, 6, 0).body(FetchResponse.class);
        resp.responses().get(0).partitions().get(0).divergingEpoch().setEpoch(4).setEndOffset(6);
        r.future().complete(new BrokerResponse(resp, null));
        runAll();
        assertEquals(6, p.logEndOffset());
        assertEquals(6, p.highWatermark());
        FetchRequest.FetchPartition fp = ((FetchRequest) channel.next().request()).topics().get(0).partitions()
                .get(0);
        assertEquals(6, fp.fetchOffset());
        assertEquals(1, fetchers.fetchers().get(0).truncations);
    }

    @Test
    void aDivergingEpochTheFollowerDoesNotHaveTruncatesToItsLastEpochBelow() {
        host(LEADER, 5, List.of(LEADER, NODE));
        ByteBuf mine = Unpooled.buffer();
        for (int i = 0; i < 6; i++) {
            mine.writeBytes(SimBatches.rewritten(oneRecord(), i, i < 3 ? 2 : 4));
        }
        channel.next().future().complete(fetchResponse(mine, 0, 0));
        runAll();
        // The leader knows epoch 3 (not here) ending at 5: the follower's epoch 2 ends at 3, the smaller.
        FakeChannel.Request r = channel.next();
        FetchResponse resp = fetchResponse(Unpooled.EMPTY_BUFFER, 0, 0).body(FetchResponse.class);
        resp.responses().get(0).partitions().get(0).divergingEpoch().setEpoch(3).setEndOffset(5);
        r.future().complete(new BrokerResponse(resp, null));
        runAll();
        assertEquals(3, orders().logEndOffset());
        assertEquals(2, orders().log().latestEpoch());
    }

    @Test
    void outOfRangeBelowTheLeadersLogStartRestartsTheLogThere() {
        host(LEADER, 5, List.of(LEADER, NODE));
        FakeChannel.Request r = channel.next();
        r.future().complete(errorResponse(ErrorCode.OFFSET_OUT_OF_RANGE));
        runAll();
        FakeChannel.Request latest = channel.next();
        ListOffsetsRequest lo = (ListOffsetsRequest) latest.request();
        assertEquals(NODE, lo.replicaId());
        assertEquals(-1L, lo.topics().get(0).partitions().get(0).timestamp());
        assertEquals(5, lo.topics().get(0).partitions().get(0).currentLeaderEpoch());
        latest.future().complete(listOffsets(120));
        runAll();
        FakeChannel.Request earliest = channel.next();
        assertEquals(-2L, ((ListOffsetsRequest) earliest.request()).topics().get(0).partitions().get(0).timestamp());
        earliest.future().complete(listOffsets(100));
        runAll();
        Partition p = orders();
        assertEquals(100, p.logStartOffset());
        assertEquals(100, p.logEndOffset());
        assertEquals(100, p.highWatermark());
        assertEquals(100, ((FetchRequest) channel.next().request()).topics().get(0).partitions().get(0)
                .fetchOffset());
    }

    @Test
    void outOfRangeAboveTheLeadersLogEndTruncatesToIt() {
        host(LEADER, 5, List.of(LEADER, NODE));
        ByteBuf mine = Unpooled.buffer();
        for (int i = 0; i < 5; i++) {
            mine.writeBytes(SimBatches.rewritten(oneRecord(), i, 5));
        }
        channel.next().future().complete(fetchResponse(mine, 2, 0));
        runAll();
        channel.next().future().complete(errorResponse(ErrorCode.OFFSET_OUT_OF_RANGE));
        runAll();
        channel.next().future().complete(listOffsets(3));
        runAll();
        assertEquals(3, orders().logEndOffset());
        assertEquals(2, orders().highWatermark());
        assertEquals(3, ((FetchRequest) channel.next().request()).topics().get(0).partitions().get(0)
                .fetchOffset());
    }

    @Test
    void aFencedEpochWaitsForTheMetadataAndOtherErrorsBackOff() {
        host(LEADER, 5, List.of(LEADER, NODE));
        channel.next().future().complete(errorResponse(ErrorCode.FENCED_LEADER_EPOCH));
        runAll();
        io.advance(10 * BACKOFF);
        runAll();
        assertNull(channel.sent.peek(), "fenced: no fetch until the metadata moves");
        host(LEADER, 6, List.of(LEADER, NODE));
        FakeChannel.Request r = channel.next();
        assertEquals(6, ((FetchRequest) r.request()).topics().get(0).partitions().get(0).currentLeaderEpoch());

        r.future().complete(errorResponse(ErrorCode.NOT_LEADER_OR_FOLLOWER));
        runAll();
        assertNull(channel.sent.peek());
        io.advance(BACKOFF);
        runAll();
        r = channel.next();
        r.future().completeExceptionally(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "closed"));
        runAll();
        io.advance(BACKOFF - 1);
        runAll();
        assertNull(channel.sent.peek(), "a transport error backs the fetcher off");
        io.advance(1);
        runAll();
        assertEquals(6, ((FetchRequest) channel.next().request()).topics().get(0).partitions().get(0)
                .currentLeaderEpoch());
    }

    @Test
    void partitionsMoveWithTheirLeaders() {
        host(LEADER, 5, List.of(LEADER, NODE, 3));
        FakeChannel.Request toOld = channel.next();
        assertEquals(LEADER, toOld.node());
        host(3, 6, List.of(LEADER, NODE, 3));
        FakeChannel.Request toNew = channel.next();
        assertEquals(3, toNew.node());
        assertEquals(6, ((FetchRequest) toNew.request()).topics().get(0).partitions().get(0).currentLeaderEpoch());
        // A late answer of the old leader writes nothing.
        toOld.future().complete(fetchResponse(SimBatches.rewritten(oneRecord(), 0, 5), 1, 0));
        runAll();
        assertEquals(0, orders().logEndOffset());
        assertEquals(List.of(3), fetchers.fetchers().stream().map(f -> f.key().leader()).toList());
        // Leading here, or no longer a replica: no fetcher at all.
        host(NODE, 7, List.of(LEADER, NODE, 3));
        assertEquals(List.of(), fetchers.fetchers());
        toNew.future().complete(fetchResponse(SimBatches.rewritten(oneRecord(), 0, 6), 1, 0));
        runAll();
        assertEquals(0, orders().logEndOffset());
        assertNull(channel.sent.peek());
    }

    // ---------------------------------------------------------------- helpers

    private ByteBuf oneRecord() {
        return oneRecord(random);
    }

    /** A random batch (or batches) holding exactly one record. */
    static ByteBuf oneRecord(Random random) {
        ByteBuf b;
        do {
            b = SimBatches.random(random, 1_000);
        } while (countRecords(b) != 1);
        return b;
    }

    private static int countRecords(ByteBuf b) {
        io.samsa.wire.record.RecordBatchView v = new io.samsa.wire.record.RecordBatchView();
        int n = 0;
        for (int pos = b.readerIndex(); pos < b.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(b, pos);
            n += v.recordCount();
        }
        return n;
    }

    @Test
    void theFollowerThrottleLeavesOutAThrottledPartitionThatIsNotCaughtUp() {
        ManualClock clock = new ManualClock(10_000);
        ReplicationQuota quota = new ReplicationQuota(clock, 11, 1000);
        quota.setThrottled(java.util.Map.of("orders", java.util.Set.of(0)));
        rm.replicationQuotas(ReplicationQuota.unbounded(), quota);
        host(LEADER, 5, List.of(LEADER, NODE));
        ByteBuf first = SimBatches.rewritten(SimBatches.random(random, 1_000), 0, 5);
        int size = first.readableBytes();
        long end = lastOffset(first) + 1;
        quota.setRate(size / 20);
        channel.next().future().complete(fetchResponse(first, end, 0));
        runAll();
        assertEquals(size / 10.0, quota.rate(), 1e-9, "the applied bytes are recorded");
        assertTrue(quota.isQuotaExceeded());
        FakeChannel.Request again = channel.next();
        assertEquals(end, ((FetchRequest) again.request()).topics().get(0).partitions().get(0).fetchOffset(),
                "caught up to the leader's high watermark: never held back");

        ByteBuf second = SimBatches.rewritten(SimBatches.random(random, 1_000), end, 5);
        long end2 = lastOffset(second) + 1;
        again.future().complete(fetchResponse(second, end2 + 50, 0));
        runAll();
        assertEquals(end2, orders().logEndOffset());
        assertNull(channel.sent.peek(), "behind the leader's high watermark and over the quota: not fetched");
        io.advance(BACKOFF);
        runAll();
        assertNull(channel.sent.peek(), "still over the quota after the backoff");
        assertEquals(2, fetchers.fetchers().get(0).throttled);

        clock.advance(12_000);
        io.advance(BACKOFF);
        runAll();
        FakeChannel.Request resumed = channel.next();
        assertEquals(end2, ((FetchRequest) resumed.request()).topics().get(0).partitions().get(0).fetchOffset(),
                "the window moved on: fetching again");
    }

    private static long lastOffset(ByteBuf b) {
        io.samsa.wire.record.RecordBatchView v = new io.samsa.wire.record.RecordBatchView();
        long last = -1;
        for (int pos = b.readerIndex(); pos < b.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(b, pos);
            last = v.lastOffset();
        }
        return last;
    }

    private static BrokerResponse fetchResponse(ByteBuf records, long hw, long logStart) {
        FetchResponse resp = new FetchResponse();
        resp.responses().add(new FetchResponse.FetchableTopicResponse().setTopicId(ORDERS).setTopic("orders"));
        resp.responses().get(0).partitions().add(new FetchResponse.PartitionData().setPartitionIndex(0)
                .setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(logStart)
                .setRecords(new ByteBufRecords(records)));
        return new BrokerResponse(resp, null);
    }

    private static BrokerResponse errorResponse(ErrorCode code) {
        FetchResponse resp = new FetchResponse();
        resp.responses().add(new FetchResponse.FetchableTopicResponse().setTopicId(ORDERS).setTopic("orders"));
        resp.responses().get(0).partitions().add(new FetchResponse.PartitionData().setPartitionIndex(0)
                .setErrorCode(code.code()).setHighWatermark(-1).setLogStartOffset(-1)
                .setRecords(new ByteBufRecords(Unpooled.EMPTY_BUFFER)));
        return new BrokerResponse(resp, null);
    }

    private static BrokerResponse listOffsets(long offset) {
        ListOffsetsResponse resp = new ListOffsetsResponse();
        resp.topics().add(new ListOffsetsResponse.ListOffsetsTopicResponse().setName("orders"));
        resp.topics().get(0).partitions().add(new ListOffsetsResponse.ListOffsetsPartitionResponse()
                .setPartitionIndex(0).setOffset(offset));
        return new BrokerResponse(resp, null);
    }

    private static Message roundTrip(Message m, Message into, short version) {
        ByteBuf buf = Unpooled.buffer(m.size(version));
        m.write(buf, version);
        into.read(buf, version);
        assertEquals(0, buf.readableBytes());
        return into;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    private static byte[] followerBytes(Partition p, long from) {
        ReadResult r = p.log().read(from, 1 << 20, Long.MAX_VALUE, true);
        try {
            return PartitionModel.bytes(r.records());
        } finally {
            r.release();
        }
    }

    /** Requests as sent; the test completes their futures. */
    static final class FakeChannel implements BrokerChannel {
        record Request(int node, Message request, short version, CompletableFuture<BrokerResponse> future) {
        }

        final ArrayDeque<Request> sent = new ArrayDeque<>();
        /** The recovery point of the first partition of each Fetch when it was sent (durable mode). */
        final List<Long> recoveryPointAtSend = new java.util.ArrayList<>();
        java.util.function.LongSupplier recoveryPoint = () -> -1L;

        @Override
        public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
            CompletableFuture<BrokerResponse> f = new CompletableFuture<>();
            sent.add(new Request(nodeId, request, version, f));
            if (request instanceof FetchRequest) {
                recoveryPointAtSend.add(recoveryPoint.getAsLong());
            }
            return f;
        }

        /** The next request sent (fails when none was). */
        Request next() {
            Request r = sent.poll();
            if (r == null) {
                throw new AssertionError("No request was sent");
            }
            return r;
        }

        @Override
        public void close() {
        }
    }
}
