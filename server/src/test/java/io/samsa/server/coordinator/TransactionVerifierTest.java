package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.common.Scheduler;
import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The broker's questions to a transaction coordinator on another broker (KIP-890): AddPartitionsToTxn v5 to the
 * leader of the id's {@code __transaction_state} partition, verify-only or the add itself, answered per partition
 * with Kafka's translations for a producer; an add refused with CONCURRENT_TRANSACTIONS is asked again within the
 * retry limit.
 */
class TransactionVerifierTest {
    private static final UUID TXN_STATE = new UUID(5, 6);
    private static final int SELF = 1;
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition EVENTS_0 = new TopicPartition("events", 0);

    /** {@code __transaction_state} with one partition, led by {@code leader}. */
    private static MetadataImage image(int leader) {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
                new TopicRecord().setName(TransactionCoordinator.TOPIC).setTopicId(TXN_STATE),
                new PartitionRegistration(0, List.of(2), List.of(2), leader, 1, 1).toRecord(TXN_STATE)), 0, 1);
    }

    /** Only its placement is used: the coordinator is on another broker. */
    private static TransactionCoordinator coordinator() {
        ManualClock clock = new ManualClock(0);
        return new TransactionCoordinator(TransactionCoordinatorConfig.fromMap(Map.of(
                "transaction.state.log.num.partitions", "1")), clock, (task, delay) -> () -> false, Runnable::run,
                null, null, null, null, () -> 2);
    }

    private static final class FakeChannel implements BrokerChannel {
        record Sent(int node, AddPartitionsToTxnRequest request, short version,
                    CompletableFuture<BrokerResponse> answer) {
        }

        final List<Sent> sent = new ArrayList<>();

        @Override
        public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
            CompletableFuture<BrokerResponse> f = new CompletableFuture<>();
            sent.add(new Sent(nodeId, (AddPartitionsToTxnRequest) request, version, f));
            return f;
        }

        @Override
        public void close() {
        }
    }

    /** A scheduler that keeps its tasks for the test to run. */
    private static final class Tasks implements Scheduler {
        final List<Runnable> due = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();

        @Override
        public Cancellable schedule(Runnable task, long delayMs) {
            due.add(task);
            delays.add(delayMs);
            return () -> false;
        }
    }

    private static BrokerResponse answer(String id, Map<TopicPartition, ErrorCode> errors) {
        AddPartitionsToTxnResponse.AddPartitionsToTxnResult r =
                new AddPartitionsToTxnResponse.AddPartitionsToTxnResult().setTransactionalId(id);
        errors.forEach((tp, e) -> {
            AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult t =
                    new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(tp.topic());
            t.resultsByPartition().add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                    .setPartitionIndex(tp.partition()).setPartitionErrorCode(e.code()));
            r.topicResults().add(t);
        });
        AddPartitionsToTxnResponse resp = new AddPartitionsToTxnResponse();
        resp.resultsByTransaction().add(r);
        return new BrokerResponse(resp, () -> { });
    }

    private static TransactionVerifier verifier(int leader, BrokerChannel channel, ManualClock clock) {
        return new TransactionVerifier(SELF, () -> image(leader), coordinator(), channel, clock, 20, 100);
    }

    @Test
    void verifiesThroughTheCoordinatorsBrokerAndTranslatesTheAnswer() {
        FakeChannel channel = new FakeChannel();
        CompletableFuture<Map<TopicPartition, ErrorCode>> f = verifier(2, channel, new ManualClock(0)).verify("t1",
                42, (short) 3, List.of(ORDERS_0, ORDERS_1, EVENTS_0), false);
        assertEquals(1, channel.sent.size());
        FakeChannel.Sent s = channel.sent.get(0);
        assertEquals(2, s.node());
        assertEquals(5, s.version());
        AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction t = s.request().transactions().get(0);
        assertEquals("t1", t.transactionalId());
        assertEquals(42, t.producerId());
        assertEquals(3, t.producerEpoch());
        assertTrue(t.verifyOnly());
        assertEquals(2, t.topics().size(), "grouped by topic");
        assertEquals(List.of(0, 1), t.topics().get(0).partitions());
        assertFalse(f.isDone());
        // orders-1 is fenced; events-0 is missing from the answer: not verified.
        s.answer().complete(answer("t1", Map.of(ORDERS_0, ErrorCode.NONE, ORDERS_1, ErrorCode.PRODUCER_FENCED)));
        assertEquals(Map.of(ORDERS_0, ErrorCode.NONE, ORDERS_1, ErrorCode.INVALID_PRODUCER_EPOCH,
                EVENTS_0, ErrorCode.INVALID_TXN_STATE), f.join());
    }

    @Test
    void topLevelAndTransportFailuresApplyToEveryPartition() {
        FakeChannel channel = new FakeChannel();
        TransactionVerifier v = verifier(2, channel, new ManualClock(0));
        CompletableFuture<Map<TopicPartition, ErrorCode>> denied = v.verify("t1", 1, (short) 0,
                List.of(ORDERS_0, ORDERS_1), false);
        channel.sent.get(0).answer().complete(new BrokerResponse(new AddPartitionsToTxnResponse()
                .setErrorCode(ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code()), () -> { }));
        assertEquals(Map.of(ORDERS_0, ErrorCode.INVALID_TXN_STATE, ORDERS_1, ErrorCode.INVALID_TXN_STATE),
                denied.join(), "the producer never sees CLUSTER_AUTHORIZATION_FAILED");

        CompletableFuture<Map<TopicPartition, ErrorCode>> lost = v.verify("t1", 1, (short) 0, List.of(ORDERS_0),
                false);
        channel.sent.get(1).answer().completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "late"));
        assertEquals(Map.of(ORDERS_0, ErrorCode.REQUEST_TIMED_OUT), lost.join());
    }

    @Test
    void noCoordinatorLeaderIsCoordinatorNotAvailable() {
        FakeChannel channel = new FakeChannel();
        assertEquals(Map.of(ORDERS_0, ErrorCode.COORDINATOR_NOT_AVAILABLE), verifier(-1, channel, new ManualClock(0))
                .verify("t1", 1, (short) 0, List.of(ORDERS_0), true).join());
        assertTrue(channel.sent.isEmpty());
    }

    @Test
    void anAddRefusedWithConcurrentTransactionsIsAskedAgainWithinTheLimit() {
        FakeChannel channel = new FakeChannel();
        ManualClock clock = new ManualClock(0);
        Tasks tasks = new Tasks();
        CompletableFuture<Map<TopicPartition, ErrorCode>> f = verifier(2, channel, clock).verify("t1", 7, (short) 1,
                List.of(ORDERS_0, ORDERS_1), true, tasks);
        assertFalse(channel.sent.get(0).request().transactions().get(0).verifyOnly(), "the V2 add");
        channel.sent.get(0).answer().complete(answer("t1", Map.of(ORDERS_0, ErrorCode.NONE,
                ORDERS_1, ErrorCode.CONCURRENT_TRANSACTIONS)));
        assertFalse(f.isDone(), "orders-1 is asked again");
        assertEquals(List.of(20L), tasks.delays);
        clock.advance(20);
        tasks.due.get(0).run();
        AddPartitionsToTxnRequest again = channel.sent.get(1).request();
        assertEquals(1, again.transactions().get(0).topics().size());
        assertEquals(List.of(1), again.transactions().get(0).topics().get(0).partitions(), "only the refused one");
        channel.sent.get(1).answer().complete(answer("t1", Map.of(ORDERS_1, ErrorCode.NONE)));
        assertEquals(Map.of(ORDERS_0, ErrorCode.NONE, ORDERS_1, ErrorCode.NONE), f.join());

        // Past the limit (100 ms) the refusal is the answer.
        CompletableFuture<Map<TopicPartition, ErrorCode>> g = verifier(2, channel, clock).verify("t1", 7, (short) 1,
                List.of(ORDERS_0), true, tasks);
        clock.advance(95);
        channel.sent.get(2).answer().complete(answer("t1", Map.of(ORDERS_0, ErrorCode.CONCURRENT_TRANSACTIONS)));
        assertEquals(Map.of(ORDERS_0, ErrorCode.CONCURRENT_TRANSACTIONS), g.join());
        assertEquals(1, tasks.due.size(), "no second retry");
    }
}
