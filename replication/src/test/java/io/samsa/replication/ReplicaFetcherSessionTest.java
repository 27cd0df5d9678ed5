package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower's fetch sessions (KIP-227) on hand-driven executors and a channel the test answers: the exact session
 * id and epoch of each Fetch, the partitions it lists (all in a full fetch; in an incremental one only those that
 * joined or whose fetch state changed) and those it forgets, and the ways back to a full fetch (FETCH_SESSION_ID_NOT_FOUND,
 * INVALID_FETCH_SESSION_EPOCH, a transport error, a leader with no room for a session). Node 2 follows orders-0,
 * orders-1 and audit-0 from node 1.
 */
class ReplicaFetcherSessionTest {
    private static final int NODE = 2;
    private static final int LEADER = 1;
    private static final UUID ORDERS = UUID.nameUUIDFromBytes("orders".getBytes());
    private static final UUID AUDIT = UUID.nameUUIDFromBytes("audit".getBytes());
    private static final long BACKOFF = ReplicaFetcherTest.BACKOFF;
    private static final int SESSION = 77;

    @TempDir
    Path dir;
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final QueueExecutor hosting = new QueueExecutor("hosting");
    private final QueueExecutor io = new QueueExecutor("fetcher-io");
    private final ReplicaFetcherTest.FakeChannel channel = new ReplicaFetcherTest.FakeChannel();
    private final Random random = new Random(11);
    private LogManager logs;
    private ReplicaManager rm;
    private ReplicaFetcherManager fetchers;

    @BeforeEach
    void open() throws IOException {
        logs = LogManager.builder(dir).clock(new ManualClock(1_000)).build();
        rm = new ReplicaManager(NODE, logs, new ShardProxy(List.of(shard)), hosting, 60_000);
        fetchers = ReplicaFetcherTest.startFetchers(rm, channel, io, (short) 17);
    }

    @AfterEach
    void close() throws IOException {
        fetchers.close();
        runAll();
        rm.close();
        logs.close();
    }

    private void runAll() {
        QueueExecutor.runAll(hosting, shard, io);
    }

    /** Hosts orders-0 and orders-1 led by {@code ordersLeader}, and audit-0 by node 1, all in {@code epoch}. */
    private void host(int ordersLeader, int epoch, boolean audit) {
        List<Integer> replicas = List.of(LEADER, NODE, 3);
        List<HostingChange.Topic> topics = new ArrayList<>();
        topics.add(new HostingChange.Topic("orders", ORDERS, 2, LogConfig.DEFAULTS, 1, List.of(
                new PartitionAssignment(0, LEADER, epoch, 0, replicas, replicas),
                new PartitionAssignment(1, ordersLeader, epoch, 0, replicas, replicas))));
        if (audit) {
            topics.add(new HostingChange.Topic("audit", AUDIT, 1, LogConfig.DEFAULTS, 1, List.of(
                    new PartitionAssignment(0, LEADER, epoch, 0, replicas, replicas))));
        }
        CompletableFuture<Void> done = rm.apply(new HostingChange(List.of(), topics, false));
        runAll();
        assertTrue(done.isDone());
    }

    private ReplicaFetcher fetcher() {
        return fetchers.fetchers().stream().filter(f -> f.key().leader() == LEADER).findFirst().orElseThrow();
    }

    /** The next Fetch sent to the leader. */
    private Sent next() {
        ReplicaFetcherTest.FakeChannel.Request r = channel.next();
        assertEquals(LEADER, r.node());
        return new Sent((FetchRequest) r.request(), r.future());
    }

    private record Sent(FetchRequest req, CompletableFuture<BrokerResponse> future) {
        /** The listed partitions as "topicId-partition@offset". */
        List<String> listed() {
            List<String> out = new ArrayList<>();
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    out.add(name(t.topicId()) + "-" + p.partition() + "@" + p.fetchOffset());
                }
            }
            return out;
        }

        /** The forgotten partitions by topic. */
        Map<String, List<Integer>> forgotten() {
            Map<String, List<Integer>> out = new TreeMap<>();
            for (FetchRequest.ForgottenTopic t : req.forgottenTopicsData()) {
                out.put(name(t.topicId()), t.partitions());
            }
            return out;
        }

        FetchRequest.FetchPartition partition(UUID topic, int index) {
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    if (t.topicId().equals(topic) && p.partition() == index) {
                        return p;
                    }
                }
            }
            throw new AssertionError("not listed: " + name(topic) + "-" + index + " in " + listed());
        }

        void session(int id, int epoch) {
            assertEquals(id, req.sessionId(), "session id");
            assertEquals(epoch, req.sessionEpoch(), "session epoch");
        }
    }

    private static String name(UUID id) {
        return id.equals(ORDERS) ? "orders" : id.equals(AUDIT) ? "audit" : id.toString();
    }

    /** A response builder: per partition its records (maybe none), the high watermark and log start 0. */
    private static final class Response {
        final FetchResponse body = new FetchResponse();

        Response(int sessionId) {
            body.setSessionId(sessionId);
        }

        Response partition(UUID topic, int index, ByteBuf records, long hw) {
            return partition(topic, index, records, hw, ErrorCode.NONE);
        }

        Response partition(UUID topic, int index, ByteBuf records, long hw, ErrorCode error) {
            FetchResponse.FetchableTopicResponse t = null;
            for (FetchResponse.FetchableTopicResponse r : body.responses()) {
                if (r.topicId().equals(topic)) {
                    t = r;
                }
            }
            if (t == null) {
                t = new FetchResponse.FetchableTopicResponse().setTopicId(topic);
                body.responses().add(t);
            }
            t.partitions().add(new FetchResponse.PartitionData().setPartitionIndex(index).setErrorCode(error.code())
                    .setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(0)
                    .setRecords(new ByteBufRecords(records)));
            return this;
        }

        BrokerResponse done() {
            return new BrokerResponse(body, null);
        }
    }

    private static BrokerResponse topLevel(ErrorCode code) {
        return new BrokerResponse(new FetchResponse().setErrorCode(code.code()).setSessionId(0), null);
    }

    /** Epoch-{@code epoch} batches at {@code base}, one record each, {@code count} of them. */
    private ByteBuf batches(long base, int count, int epoch) {
        ByteBuf out = Unpooled.buffer();
        for (int i = 0; i < count; i++) {
            out.writeBytes(SimBatches.rewritten(ReplicaFetcherTest.oneRecord(random), base + i, epoch));
        }
        return out;
    }

    /**
     * Opens the session: the first partition hosted (audit-0) is fetched at once, in a full fetch answered with
     * session 77; the two that joined meanwhile are listed in full by the first incremental fetch, answered with
     * orders-0's 3 records. The fetch at epoch 2 is then in flight.
     */
    private void openSession() {
        host(LEADER, 5, true);
        Sent full = next();
        full.session(0, 0);
        assertEquals(List.of("audit-0@0"), full.listed(), "the first partition hosted is fetched at once");
        assertEquals(Map.of(), full.forgotten());
        full.future().complete(new Response(SESSION).partition(AUDIT, 0, Unpooled.EMPTY_BUFFER, 0).done());
        runAll();
        Sent added = next();
        added.session(SESSION, 1);
        assertEquals(List.of("orders-0@0", "orders-1@0"), added.listed(), "the partitions that joined, in full");
        assertEquals(Map.of(), added.forgotten());
        FetchRequest.FetchPartition fp = added.partition(ORDERS, 1);
        assertEquals(5, fp.currentLeaderEpoch());
        assertEquals(-1, fp.lastFetchedEpoch());
        assertEquals(0, fp.logStartOffset());
        assertEquals(65_536, fp.partitionMaxBytes());
        added.future().complete(new Response(SESSION).partition(ORDERS, 0, batches(0, 3, 5), 3)
                .partition(ORDERS, 1, Unpooled.EMPTY_BUFFER, 0).done());
        runAll();
        assertEquals(3, rm.partition("orders", 0).logEndOffset());
    }

    @Test
    void incrementalFetchesListOnlyWhatChanged() {
        openSession();
        Sent first = next();
        first.session(SESSION, 2);
        assertEquals(List.of("orders-0@3"), first.listed(), "only orders-0 moved");
        assertEquals(5, first.partition(ORDERS, 0).lastFetchedEpoch());
        assertEquals(Map.of(), first.forgotten());
        // An incremental answer naming no partition: nothing changed, and no error.
        first.future().complete(new Response(SESSION).done());
        runAll();
        Sent second = next();
        second.session(SESSION, 3);
        assertEquals(List.of(), second.listed(), "nothing changed: an empty incremental fetch");
        // Only audit-0 in the answer: it appends; the partitions left out are untouched.
        second.future().complete(new Response(SESSION).partition(AUDIT, 0, batches(0, 2, 5), 2).done());
        runAll();
        assertEquals(2, rm.partition("audit", 0).logEndOffset());
        assertEquals(3, rm.partition("orders", 0).logEndOffset());
        Sent third = next();
        third.session(SESSION, 4);
        assertEquals(List.of("audit-0@2"), third.listed());
        assertEquals(1, fetcher().fullFetches);
        assertEquals(4, fetcher().incrementalFetches);
        assertEquals(0, fetcher().failures);
    }

    @Test
    void theEpochWrapsPastMaxValueToOne() {
        openSession();
        // Every partition fenced: nothing to fetch until the metadata moves.
        next().future().complete(new Response(SESSION)
                .partition(ORDERS, 0, Unpooled.EMPTY_BUFFER, -1, ErrorCode.FENCED_LEADER_EPOCH)
                .partition(ORDERS, 1, Unpooled.EMPTY_BUFFER, -1, ErrorCode.FENCED_LEADER_EPOCH)
                .partition(AUDIT, 0, Unpooled.EMPTY_BUFFER, -1, ErrorCode.FENCED_LEADER_EPOCH).done());
        runAll();
        assertNull(channel.sent.peek());
        assertEquals(3, fetcher().sessionEpoch());
        fetcher().sessionEpoch(Integer.MAX_VALUE);
        host(LEADER, 6, true);
        // audit-0 takes epoch 6 first and is fetched at once; the fenced orders partitions leave the session.
        Sent atMax = next();
        atMax.session(SESSION, Integer.MAX_VALUE);
        assertEquals(List.of("audit-0@0"), atMax.listed(), "a new leader epoch");
        assertEquals(Map.of("orders", List.of(0, 1)), atMax.forgotten());
        atMax.future().complete(new Response(SESSION).done());
        runAll();
        Sent wrapped = next();
        wrapped.session(SESSION, 1);
        assertEquals(List.of("orders-0@3", "orders-1@0"), wrapped.listed(), "back in epoch 6, in full");
    }

    @Test
    void removedPartitionsAreForgottenAndAddedOnesListedInFull() {
        openSession();
        Sent first = next();
        // orders-1 moves to node 3 (its own fetcher there); orders-0 and audit-0 stay with node 1 in epoch 6.
        host(3, 6, true);
        assertEquals(3, channel.next().node());
        first.session(SESSION, 2);
        first.future().complete(new Response(SESSION).done());
        runAll();
        Sent second = next();
        second.session(SESSION, 3);
        assertEquals(Map.of("orders", List.of(1)), second.forgotten(), "orders-1 left this fetcher");
        assertEquals(List.of("audit-0@0", "orders-0@3"), second.listed(), "the new leader epoch changed both");
        assertEquals(6, second.partition(ORDERS, 0).currentLeaderEpoch());
        second.future().complete(new Response(SESSION).done());
        runAll();
        Sent third = next();
        third.session(SESSION, 4);
        assertEquals(List.of(), third.listed());
        assertEquals(Map.of(), third.forgotten(), "forgotten once");
        // orders-1 comes back to node 1 in epoch 7: listed in full, with every field.
        host(LEADER, 7, true);
        third.future().complete(new Response(SESSION).done());
        runAll();
        Sent fourth = next();
        fourth.session(SESSION, 5);
        assertEquals(List.of("audit-0@0", "orders-0@3", "orders-1@0"), fourth.listed());
        FetchRequest.FetchPartition back = fourth.partition(ORDERS, 1);
        assertEquals(7, back.currentLeaderEpoch());
        assertEquals(-1, back.lastFetchedEpoch());
        assertEquals(0, back.logStartOffset());
        assertEquals(65_536, back.partitionMaxBytes());
        assertEquals(Map.of(), fourth.forgotten());
    }

    @Test
    void aPartitionThatLeavesAndComesBackBetweenFetchesIsListedNotForgotten() {
        openSession();
        Sent first = next();
        host(3, 6, true);
        assertEquals(3, channel.next().node());
        host(LEADER, 7, true);
        first.future().complete(new Response(SESSION).done());
        runAll();
        Sent second = next();
        second.session(SESSION, 3);
        assertEquals(Map.of(), second.forgotten(), "a session drops the forgotten partitions after the listed ones");
        assertEquals(List.of("audit-0@0", "orders-0@3", "orders-1@0"), second.listed());
    }

    @Test
    void aPartitionBackingOffLeavesTheSessionAndComesBackInFull() {
        openSession();
        Sent first = next();
        first.future().complete(new Response(SESSION).partition(ORDERS, 1, Unpooled.EMPTY_BUFFER, -1,
                ErrorCode.NOT_LEADER_OR_FOLLOWER).done());
        runAll();
        Sent second = next();
        second.session(SESSION, 3);
        assertEquals(Map.of("orders", List.of(1)), second.forgotten(), "not fetched while it backs off");
        assertEquals(List.of(), second.listed());
        second.future().complete(new Response(SESSION).done());
        runAll();
        Sent third = next();
        assertEquals(List.of(), third.listed());
        assertEquals(Map.of(), third.forgotten());
        io.advance(BACKOFF);
        runAll();
        third.future().complete(new Response(SESSION).done());
        runAll();
        Sent fourth = next();
        fourth.session(SESSION, 5);
        assertEquals(List.of("orders-1@0"), fourth.listed(), "back after the backoff, in full");
        assertEquals(Map.of(), fourth.forgotten());
    }

    @Test
    void anUnknownSessionOpensANewOneAtOnce() {
        openSession();
        next().future().complete(topLevel(ErrorCode.FETCH_SESSION_ID_NOT_FOUND));
        runAll();
        Sent full = next();
        full.session(0, 0);
        assertEquals(List.of("audit-0@0", "orders-0@3", "orders-1@0"), full.listed(), "a full fetch, no backoff");
        full.future().complete(new Response(SESSION + 1).partition(ORDERS, 0, Unpooled.EMPTY_BUFFER, 3)
                .partition(ORDERS, 1, Unpooled.EMPTY_BUFFER, 0).partition(AUDIT, 0, Unpooled.EMPTY_BUFFER, 0)
                .done());
        runAll();
        Sent inc = next();
        inc.session(SESSION + 1, 1);
        assertEquals(List.of(), inc.listed());
        assertEquals(1, fetcher().sessionResets);
    }

    @Test
    void aWrongEpochClosesTheSessionWithAFullFetch() {
        openSession();
        next().future().complete(topLevel(ErrorCode.INVALID_FETCH_SESSION_EPOCH));
        runAll();
        Sent full = next();
        full.session(SESSION, 0);
        assertEquals(List.of("audit-0@0", "orders-0@3", "orders-1@0"), full.listed());
        assertEquals(Map.of(), full.forgotten());
    }

    @Test
    void aTransportErrorClosesTheSessionAfterTheBackoff() {
        openSession();
        next().future().completeExceptionally(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "closed"));
        runAll();
        assertNull(channel.sent.peek(), "backing off");
        io.advance(BACKOFF);
        runAll();
        Sent full = next();
        full.session(SESSION, 0);
        assertEquals(3, full.listed().size());
    }

    @Test
    void aLeaderWithNoRoomForASessionGetsFullFetches() {
        host(LEADER, 5, true);
        Sent first = next();
        assertEquals(List.of("audit-0@0"), first.listed());
        first.future().complete(new Response(0).partition(AUDIT, 0, Unpooled.EMPTY_BUFFER, 0).done());
        runAll();
        for (int i = 0; i < 3; i++) {
            Sent full = next();
            full.session(0, 0);
            assertEquals(List.of("audit-0@0", "orders-0@0", "orders-1@0"), full.listed(), "every fetch full");
            full.future().complete(new Response(0).partition(ORDERS, 0, Unpooled.EMPTY_BUFFER, 0)
                    .partition(ORDERS, 1, Unpooled.EMPTY_BUFFER, 0).partition(AUDIT, 0, Unpooled.EMPTY_BUFFER, 0)
                    .done());
            runAll();
        }
        assertEquals(0, fetcher().incrementalFetches);
    }

    @Test
    void aLeaderClosingTheSessionGetsAFullFetch() {
        openSession();
        next().future().complete(new Response(0).done());
        runAll();
        next().session(0, 0);
    }

    @Test
    void aThrottledPartitionLeavesTheSessionWhileTheQuotaIsExceeded() {
        ManualClock clock = new ManualClock(10_000);
        ReplicationQuota quota = new ReplicationQuota(clock, 11, 1000);
        quota.setThrottled(Map.of("orders", Set.of(1)));
        rm.replicationQuotas(ReplicationQuota.unbounded(), quota);
        openSession();
        Sent first = next();
        assertEquals(List.of("orders-0@3"), first.listed());
        // orders-1 gets 4 records with the leader's high watermark at 10: behind, and now over the quota.
        ByteBuf records = batches(0, 4, 5);
        quota.setRate(records.readableBytes() / 20);
        first.future().complete(new Response(SESSION).partition(ORDERS, 1, records, 10).done());
        runAll();
        assertTrue(quota.isQuotaExceeded());
        Sent second = next();
        second.session(SESSION, 3);
        assertEquals(Map.of("orders", List.of(1)), second.forgotten(), "throttled: out of the session");
        assertEquals(List.of(), second.listed());
        clock.advance(12_000);
        second.future().complete(new Response(SESSION).done());
        runAll();
        Sent third = next();
        third.session(SESSION, 4);
        assertEquals(List.of("orders-1@4"), third.listed(), "under the quota again: back in full");
    }
}
