package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.IllegalReferenceCountException;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The simulated {@link BrokerChannel}: Kafka's framing at every Fetch version (replica id in {@code replica_id} before
 * v15, in {@code replica_state} from v15, KIP-903; topic names before v13, ids from v13, KIP-516), records that point
 * into the response's frame until it is closed, and Netty's channel's failure semantics on the simulated clock: a
 * lost request times out after the request timeout and closes its connection (the rest in flight fail, late
 * responses are dropped), a duplicate is answered once, an unknown node, an unwritable version, a closed channel.
 */
class SimBrokerChannelTest {
    private static final long T0 = 1_000_000;
    private static final int TIMEOUT_MS = 300;
    private static final UUID TOPIC_ID = new UUID(7, 9);
    private static final byte[] RECORDS = "pretend these are record batches".getBytes(StandardCharsets.UTF_8);

    private final SimScheduler scheduler = new SimScheduler(Simulation.random(1), T0);
    private final SimExecutor io1 = scheduler.executor("io-1");
    private final SimExecutor io2 = scheduler.executor("io-2");
    private final List<Message> received = new ArrayList<>();
    /** Node 2 answers after this delay (negative: never). */
    private long answerAfterMs;
    private SimBrokerNetwork net;
    private SimBrokerChannel channel;

    private void start(SimNetwork.Config config) {
        net = new SimBrokerNetwork(scheduler, config);
        channel = net.start(1, io1, (from, req, version, responder) -> fail("node 1 serves nothing"), TIMEOUT_MS);
        startNode2();
    }

    private void startNode2() {
        net.start(2, io2, (from, req, version, responder) -> {
            assertEquals(1, from);
            assertTrue(io2.inExecutor(), "requests arrive on the node's network executor");
            received.add(req);
            if (answerAfterMs == 0) {
                responder.respond(answer(req));
            } else if (answerAfterMs > 0) {
                io2.schedule(() -> responder.respond(answer(req)), answerAfterMs);
            }
        }, TIMEOUT_MS);
    }

    private static void fail(String why) {
        throw new AssertionError(why);
    }

    private static Message answer(Message req) {
        if (req instanceof ApiVersionsRequest) {
            return new ApiVersionsResponse().setApiKeys(new ArrayList<>(List.of(
                    new ApiVersionsResponse.ApiVersion().setApiKey((short) 1).setMinVersion((short) 4)
                            .setMaxVersion((short) 18))));
        }
        FetchRequest f = (FetchRequest) req;
        FetchRequest.FetchTopic t = f.topics().get(0);
        FetchResponse.FetchableTopicResponse tr = new FetchResponse.FetchableTopicResponse().setTopic(t.topic())
                .setTopicId(t.topicId());
        tr.partitions().add(new FetchResponse.PartitionData().setPartitionIndex(t.partitions().get(0).partition())
                .setHighWatermark(t.partitions().get(0).fetchOffset() + 3).setRecords(ByteBufRecords.wrap(RECORDS)));
        FetchResponse resp = new FetchResponse();
        resp.responses().add(tr);
        return resp;
    }

    private static FetchRequest fetch(short version, int replicaId, long offset) {
        FetchRequest.FetchTopic t = new FetchRequest.FetchTopic();
        if (version >= 13) {
            t.setTopicId(TOPIC_ID);
        } else {
            t.setTopic("orders");
        }
        t.partitions().add(new FetchRequest.FetchPartition().setPartition(2).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(version >= 9 ? 5 : -1));
        FetchRequest req = new FetchRequest().setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20);
        req.topics().add(t);
        if (version >= 15) {
            req.setReplicaState(new FetchRequest.ReplicaState().setReplicaId(replicaId).setReplicaEpoch(-1));
        } else {
            req.setReplicaId(replicaId);
        }
        return req;
    }

    private static ErrorCode code(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally(), "failed: " + f);
        Throwable t = assertThrows(CompletionException.class, f::join).getCause();
        return assertInstanceOf(SamsaException.class, t).errorCode();
    }

    private static byte[] bytes(ByteBuf b) {
        return ByteBufUtil.getBytes(b, b.readerIndex(), b.readableBytes());
    }

    @Test
    void fetchRoundTripsAtEveryVersionWithRecordsPointingIntoTheFrame() {
        start(SimNetwork.Config.RELIABLE);
        for (short v = 4; v <= 18; v++) {
            CompletableFuture<BrokerResponse> f = channel.send(2, fetch(v, 1, 40 + v), v);
            scheduler.runUntilIdle();
            FetchRequest got = (FetchRequest) received.get(received.size() - 1);
            int replicaId = v >= 15 ? got.replicaState().replicaId() : got.replicaId();
            assertEquals(1, replicaId, "v" + v);
            FetchRequest.FetchTopic t = got.topics().get(0);
            assertEquals(v >= 13 ? TOPIC_ID : null, v >= 13 ? t.topicId() : null);
            assertEquals(v >= 13 ? null : "orders", v >= 13 ? null : t.topic());
            assertEquals(40 + v, t.partitions().get(0).fetchOffset());
            assertEquals(v >= 9 ? 5 : -1, t.partitions().get(0).currentLeaderEpoch());

            BrokerResponse r = f.join();
            FetchResponse.PartitionData pd = r.body(FetchResponse.class).responses().get(0).partitions().get(0);
            assertEquals(43 + v, pd.highWatermark());
            ByteBuf records = ((ByteBufRecords) pd.records()).buffer();
            assertArrayEquals(RECORDS, bytes(records));
            assertEquals(1, channel.openResponses());
            r.close();
            r.close();
            assertEquals(0, channel.openResponses());
            assertThrows(IllegalReferenceCountException.class, () -> bytes(records),
                    "the records were a view of the closed frame");
        }
        assertEquals(15, received.size());
    }

    @Test
    void aLostRequestTimesOutOnTheClockAndClosesItsConnection() {
        start(SimNetwork.Config.RELIABLE);
        net.network().cut(1, 2);
        CompletableFuture<BrokerResponse> first = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runFor(100);
        CompletableFuture<BrokerResponse> second = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runFor(TIMEOUT_MS - 101);
        assertTrue(!first.isDone() && !second.isDone(), "nothing before the timeout");
        scheduler.runFor(1);
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, code(first));
        assertEquals(ErrorCode.NETWORK_EXCEPTION, code(second), "closed with its connection");
        assertEquals(T0 + TIMEOUT_MS, scheduler.nowMillis());

        net.network().heal();
        CompletableFuture<BrokerResponse> third = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runUntilIdle();
        try (BrokerResponse r = third.join()) {
            assertEquals(1, r.body(ApiVersionsResponse.class).apiKeys().size());
        }
        assertEquals(0, channel.openResponses());
    }

    @Test
    void aResponseToAClosedConnectionIsDropped() {
        start(SimNetwork.Config.RELIABLE);
        answerAfterMs = TIMEOUT_MS + 50;
        CompletableFuture<BrokerResponse> slow = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runFor(TIMEOUT_MS + 10);
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, code(slow));
        answerAfterMs = 0;
        CompletableFuture<BrokerResponse> next = channel.send(2, fetch((short) 12, 1, 0), (short) 12);
        scheduler.runUntilIdle();
        assertEquals(2, received.size(), "the slow one was answered too, late");
        try (BrokerResponse r = next.join()) {
            assertInstanceOf(FetchResponse.class, r.body(), "the new request got its own response, not the late one");
        }
        assertEquals(0, channel.openResponses());
        assertEquals(0, channel.inFlight());
    }

    @Test
    void aDuplicatedMessageIsHandledTwiceAndAnsweredOnce() {
        start(new SimNetwork.Config(1, 5, 0, 1.0, true));
        CompletableFuture<BrokerResponse> f = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runUntilIdle();
        assertEquals(2, received.size(), "the request arrived twice");
        f.join().close();
        assertEquals(0, channel.openResponses(), "the duplicated responses were dropped, not handed out");
        assertTrue(net.network().duplicated() >= 2);
    }

    @Test
    void aCrashedNodeTimesOutAndItsNextIncarnationAnswers() {
        start(SimNetwork.Config.RELIABLE);
        net.crash(2);
        CompletableFuture<BrokerResponse> f = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runUntilIdle();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, code(f));
        startNode2();
        CompletableFuture<BrokerResponse> g = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runUntilIdle();
        g.join().close();
    }

    @Test
    void unknownNodesUnwritableVersionsAndAClosedChannelFailWithKafkasCodes() {
        start(SimNetwork.Config.RELIABLE);
        CompletableFuture<BrokerResponse> unknown = channel.send(9, new ApiVersionsRequest(), (short) 3);
        CompletableFuture<BrokerResponse> badVersion = channel.send(2, fetch((short) 12, 1, 0), (short) 99);
        CompletableFuture<BrokerResponse> unwritable = channel.send(2, fetch((short) 15, 1, 0), (short) 14);
        scheduler.runUntilIdle();
        assertEquals(ErrorCode.BROKER_NOT_AVAILABLE, code(unknown));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, code(badVersion));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, code(unwritable), "replica_state cannot be written before v15");

        net.network().cut(1, 2);
        CompletableFuture<BrokerResponse> inFlight = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runFor(10);
        channel.close();
        CompletableFuture<BrokerResponse> after = channel.send(2, new ApiVersionsRequest(), (short) 3);
        scheduler.runFor(10);
        assertEquals(ErrorCode.NETWORK_EXCEPTION, code(inFlight));
        assertEquals(ErrorCode.NETWORK_EXCEPTION, code(after));
        assertEquals(T0 + 20, scheduler.nowMillis(), "failed at the close, not by the timeout");
    }
}
