package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A transaction from its first partition to its markers, in both protocols, with Kafka's answer to every request in
 * every state: AddPartitionsToTxn (client v0-3, broker v4+ adds and verifications), AddOffsetsToTxn, EndTxn V1
 * (v0-4) and V2 (v5+, an epoch bump per EndTxn), and the answers to retries.
 */
class TransactionLifecycleTest {
    private static final short MAX = Short.MAX_VALUE;
    private static final short NONE = 0;
    private static final short FENCED = ErrorCode.PRODUCER_FENCED.code();
    private static final short MAPPING = ErrorCode.INVALID_PRODUCER_ID_MAPPING.code();
    private static final short CONCURRENT = ErrorCode.CONCURRENT_TRANSACTIONS.code();
    private static final short INVALID_STATE = ErrorCode.INVALID_TXN_STATE.code();

    private final TxnHarness h = new TxnHarness();

    private InitProducerIdResponse ongoing(String id, TopicPartition... tps) {
        InitProducerIdResponse p = h.init(id);
        assertEquals(NONE, h.add(id, p.producerId(), p.producerEpoch(), tps));
        return p;
    }

    @Test
    void aV1CommitWritesPrepareCommitAnswersThenWritesEveryMarkerAndCompletes() {
        InitProducerIdResponse p = h.init("app");
        long pid = p.producerId();
        assertEquals(NONE, h.add("app", pid, (short) 0, tp("orders", 0), tp("orders", 1)));
        assertEquals(NONE, h.add("app", pid, (short) 0, tp("orders", 1)), "already in the transaction");
        assertEquals(2, h.partitions.records(0).size(), "adding what is there writes nothing");
        assertEquals(NONE, h.addOffsets("app", pid, (short) 0, "group"));
        h.partitions.autoCommit = false;
        CompletableFuture<EndTxnResponse> end = h.endAsync(3, "app", pid, (short) 0, true);
        assertFalse(end.isDone(), "answered once PrepareCommit is committed");
        assertTrue(h.markers.calls.isEmpty(), "no marker before PrepareCommit is committed");
        h.partitions.commitAll();
        h.partitions.autoCommit = true;
        assertEquals(NONE, TxnHarness.done(end).errorCode());
        int offsets = GroupCoordinator.partitionFor("group", 5);
        assertEquals(List.of("commit 1000 0 __consumer_offsets-" + offsets, "commit 1000 0 orders-0",
                "commit 1000 0 orders-1"), h.markers.log());
        TransactionMarkerWriter.Markers m = h.markers.calls.get(0);
        assertEquals(h.epoch, m.coordinatorEpoch(), "the coordinator's leader epoch");
        assertEquals(0, m.transactionVersion());
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(List.of("Empty", "Ongoing", "Ongoing", "PrepareCommit", "CompleteCommit"), states());
        assertEquals(0, h.describe("app").producerEpoch(), "V1 keeps the epoch");
        // The next transaction of the same producer.
        assertEquals(NONE, h.add("app", pid, (short) 0, tp("orders", 2)));
        assertEquals(NONE, h.end("app", pid, (short) 0, false));
        assertEquals("CompleteAbort", h.state("app"));
    }

    @Test
    void addPartitionsInEveryState() {
        assertEquals(MAPPING, h.add("nobody", 1, (short) 0, tp("t", 0)), "no such transactional id");
        InitProducerIdResponse p = h.init("app");
        long pid = p.producerId();
        assertEquals(MAPPING, h.add("app", pid + 1, (short) 0, tp("t", 0)), "another producer id");
        assertEquals(FENCED, h.add("app", pid, (short) 1, tp("t", 0)), "another epoch");
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH.code(), h.add(1, "app", pid, (short) 1, tp("t", 0)));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), h.add("", pid, (short) 0, tp("t", 0)));
        assertEquals(NONE, h.add("app", pid, (short) 0, tp("t", 0)), "Empty -> Ongoing");
        h.markers.hold = true;
        assertEquals(NONE, h.end("app", pid, (short) 0, true));
        assertEquals(CONCURRENT, h.add("app", pid, (short) 0, tp("t", 1)), "PrepareCommit");
        assertEquals(CONCURRENT, h.addOffsets("app", pid, (short) 0, "g"));
        h.markers.answer();
        assertEquals(NONE, h.add("app", pid, (short) 0, tp("t", 1)), "CompleteCommit -> Ongoing");
        assertEquals(List.of("t-1"), h.describe("app").topics().stream()
                .flatMap(t -> t.partitions().stream().map(i -> t.topic() + "-" + i)).toList(), "a new transaction");
    }

    @Test
    void endTxnV1InEveryState() {
        InitProducerIdResponse p = h.init("app");
        long pid = p.producerId();
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, true), "Empty: nothing to end");
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, false));
        assertEquals(MAPPING, h.end("nobody", pid, (short) 0, true));
        assertEquals(MAPPING, h.end("app", pid + 1, (short) 0, true));
        assertEquals(FENCED, h.end("app", pid, (short) 1, true));
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH.code(), h.end(1, "app", pid, (short) 1, true).errorCode());
        assertEquals(ErrorCode.INVALID_REQUEST.code(), h.end("", pid, (short) 0, true));
        h.add("app", pid, (short) 0, tp("t", 0));
        h.markers.hold = true;
        assertEquals(NONE, h.end("app", pid, (short) 0, true));
        assertEquals(CONCURRENT, h.end("app", pid, (short) 0, true), "PrepareCommit, commit again: wait");
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, false), "PrepareCommit, abort");
        h.markers.answer();
        assertEquals(NONE, h.end("app", pid, (short) 0, true), "CompleteCommit, commit: a retry");
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, false), "CompleteCommit, abort");
        h.add("app", pid, (short) 0, tp("t", 0));
        assertEquals(NONE, h.end("app", pid, (short) 0, false));
        assertEquals(CONCURRENT, h.end("app", pid, (short) 0, false), "PrepareAbort, abort again: wait");
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, true), "PrepareAbort, commit");
        h.markers.answer();
        assertEquals(NONE, h.end("app", pid, (short) 0, false), "CompleteAbort, abort: a retry");
        assertEquals(INVALID_STATE, h.end("app", pid, (short) 0, true), "CompleteAbort, commit");
        assertEquals(List.of("commit 1000 0 t-0", "abort 1000 0 t-0"), h.markers.log());
    }

    @Test
    void aV2TransactionBumpsTheEpochAtEveryEndTxnAndAddsPartitionsThroughTheBroker() {
        InitProducerIdResponse p = h.init("app");
        long pid = p.producerId();
        assertEquals(Map.of(tp("t", 0), NONE, tp("t", 1), NONE), h.addFromBroker(5, false, "app", pid, (short) 0,
                tp("t", 0), tp("t", 1)));
        EndTxnResponse end = h.end(5, "app", pid, (short) 0, true);
        assertEquals(NONE, end.errorCode());
        assertEquals(pid, end.producerId());
        assertEquals(1, end.producerEpoch(), "the producer continues at the bumped epoch");
        assertEquals(List.of("commit 1000 1 t-0", "commit 1000 1 t-1"), h.markers.log(),
                "the markers carry the bumped epoch");
        assertEquals(2, h.markers.calls.get(0).transactionVersion());
        assertEquals("CompleteCommit", h.state("app"));
        // A retry of that EndTxn (its answer was lost): the same answer, nothing written.
        int records = h.partitions.records(0).size();
        EndTxnResponse retry = h.end(5, "app", pid, (short) 0, true);
        assertEquals(NONE, retry.errorCode());
        assertEquals(1, retry.producerEpoch());
        assertEquals(records, h.partitions.records(0).size());
        assertEquals(INVALID_STATE, h.end(5, "app", pid, (short) 0, false).errorCode(), "a retry cannot switch");
        assertEquals(FENCED, h.end(5, "app", pid, (short) 2, true).errorCode(), "an epoch from the future");
        // The next transaction at epoch 1.
        assertEquals(Map.of(tp("t", 2), NONE), h.addFromBroker(5, false, "app", pid, (short) 1, tp("t", 2)));
        assertEquals(Map.of(tp("t", 2), FENCED), h.addFromBroker(5, false, "app", pid, (short) 0, tp("t", 2)));
        h.markers.hold = true;
        EndTxnResponse abort = h.end(5, "app", pid, (short) 1, false);
        assertEquals(2, abort.producerEpoch());
        assertEquals(CONCURRENT, h.end(5, "app", pid, (short) 1, false).errorCode(), "a retry while aborting");
        assertEquals(INVALID_STATE, h.end(5, "app", pid, (short) 1, true).errorCode());
        // The producer's next transaction, at the epoch the abort answered, waits for the markers (it is no zombie:
        // PRODUCER_FENCED would be fatal to it).
        assertEquals(CONCURRENT, h.end(5, "app", pid, (short) 2, false).errorCode());
        assertEquals(CONCURRENT, h.end(5, "app", pid, (short) 2, true).errorCode());
        assertEquals(Map.of(tp("t", 3), CONCURRENT), h.addFromBroker(5, false, "app", pid, (short) 2, tp("t", 3)));
        assertEquals(FENCED, h.end(5, "app", pid, (short) 3, false).errorCode(), "an epoch from the future");
        h.markers.answer();
        assertEquals("CompleteAbort", h.state("app"));
    }

    @Test
    void aV2AbortNeedsNoPartitionAndFencesTheEpoch() {
        InitProducerIdResponse p = h.init("app");
        long pid = p.producerId();
        assertEquals(INVALID_STATE, h.end(5, "app", pid, (short) 0, true).errorCode(), "nothing to commit");
        EndTxnResponse abort = h.end(5, "app", pid, (short) 0, false);
        assertEquals(NONE, abort.errorCode());
        assertEquals(1, abort.producerEpoch());
        assertTrue(h.markers.calls.isEmpty(), "no partition, no marker");
        assertEquals("CompleteAbort", h.state("app"));
        assertEquals(NONE, h.end(5, "app", pid, (short) 0, false).errorCode(), "its retry");
        EndTxnResponse again = h.end(5, "app", pid, (short) 1, false);
        assertEquals(2, again.producerEpoch(), "aborting a completed transaction bumps again");
        assertEquals(FENCED, h.end(5, "app", pid, (short) 0, false).errorCode(), "two epochs back is fenced");
    }

    @Test
    void aV2EndTxnAtTheLastEpochMovesToANewProducerIdAndItsRetryIsRecognised() {
        h.seed("app", 77, (short) (MAX - 1), "Ongoing", 2, tp("t", 0));
        EndTxnResponse end = h.end(5, "app", 77, (short) (MAX - 1), true);
        assertEquals(NONE, end.errorCode());
        assertEquals(1000, end.producerId(), "the next producer id");
        assertEquals(0, end.producerEpoch());
        assertEquals(List.of("commit 77 32767 t-0"), h.markers.log(), "the markers fence the last epoch");
        assertTrue(h.describeState(0).contains("CompleteCommit pid=1000 epoch=0 prev=77 next=-1"),
                h.describeState(0));
        EndTxnResponse retry = h.end(5, "app", 77, (short) (MAX - 1), true);
        assertEquals(NONE, retry.errorCode());
        assertEquals(1000, retry.producerId());
        assertEquals(0, retry.producerEpoch());
        assertEquals(Map.of(tp("t", 1), NONE), h.addFromBroker(5, false, "app", 1000, (short) 0, tp("t", 1)));
    }

    @Test
    void aV2ProducerAtItsNextProducerIdWaitsWhileTheLastEpochCompletes() {
        h.seed("app", 77, (short) (MAX - 1), "Ongoing", 2, tp("t", 0));
        h.markers.hold = true;
        EndTxnResponse end = h.end(5, "app", 77, (short) (MAX - 1), true);
        assertEquals(1000, end.producerId());
        assertEquals(CONCURRENT, h.end(5, "app", 1000, (short) 0, false).errorCode());
        assertEquals(Map.of(tp("t", 1), CONCURRENT), h.addFromBroker(5, false, "app", 1000, (short) 0, tp("t", 1)));
        h.markers.answer();
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(Map.of(tp("t", 1), NONE), h.addFromBroker(5, false, "app", 1000, (short) 0, tp("t", 1)));
    }

    @Test
    void aV2EndTxnAtTheLastEpochWaitsForItsNextProducerId() {
        h.seed("app", 77, (short) (MAX - 1), "Ongoing", 2, tp("t", 0));
        h.ids.hold = true;
        CompletableFuture<EndTxnResponse> end = h.endAsync(5, "app", 77, (short) (MAX - 1), true);
        assertFalse(end.isDone());
        assertEquals("Ongoing", h.state("app"));
        h.ids.release();
        assertEquals(1000, TxnHarness.done(end).producerId());
        assertEquals("CompleteCommit", h.state("app"));
    }

    @Test
    void verifyOnlyTellsWhetherEachPartitionIsInTheTransaction() {
        InitProducerIdResponse p = ongoing("app", tp("t", 0));
        long pid = p.producerId();
        short abortable = ErrorCode.TRANSACTION_ABORTABLE.code();
        assertEquals(Map.of(tp("t", 0), NONE, tp("t", 1), abortable),
                h.addFromBroker(5, true, "app", pid, (short) 0, tp("t", 0), tp("t", 1)));
        assertEquals(Map.of(tp("t", 0), NONE, tp("t", 1), INVALID_STATE),
                h.addFromBroker(4, true, "app", pid, (short) 0, tp("t", 0), tp("t", 1)),
                "v4 predates TRANSACTION_ABORTABLE");
        assertEquals(Map.of(tp("t", 0), FENCED), h.addFromBroker(5, true, "app", pid, (short) 1, tp("t", 0)));
        assertEquals(Map.of(tp("t", 0), MAPPING), h.addFromBroker(5, true, "app", pid + 1, (short) 0, tp("t", 0)));
        assertEquals(Map.of(tp("t", 0), MAPPING), h.addFromBroker(5, true, "nobody", pid, (short) 0, tp("t", 0)));
        assertEquals(Map.of(tp("t", 0), ErrorCode.INVALID_REQUEST.code()),
                h.addFromBroker(5, true, "", pid, (short) 0, tp("t", 0)));
        int records = h.partitions.records(0).size();
        h.markers.hold = true;
        h.end("app", pid, (short) 0, true);
        assertEquals(Map.of(tp("t", 0), CONCURRENT), h.addFromBroker(5, true, "app", pid, (short) 0, tp("t", 0)));
        assertEquals(records + 1, h.partitions.records(0).size(), "verification writes nothing");
    }

    @Test
    void aBrokerRequestCarriesSeveralTransactions() {
        InitProducerIdResponse a = h.init("a");
        InitProducerIdResponse b = h.init("b");
        io.samsa.wire.message.AddPartitionsToTxnRequest req = new io.samsa.wire.message.AddPartitionsToTxnRequest();
        req.transactions().add(new io.samsa.wire.message.AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction()
                .setTransactionalId("a").setProducerId(a.producerId()).setProducerEpoch((short) 0)
                .setTopics(new java.util.ArrayList<>(List.of(new io.samsa.wire.message.AddPartitionsToTxnRequest
                        .AddPartitionsToTxnTopic().setName("t").setPartitions(new java.util.ArrayList<>(List.of(0)))))));
        req.transactions().add(new io.samsa.wire.message.AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction()
                .setTransactionalId("b").setProducerId(b.producerId()).setProducerEpoch((short) 9).setVerifyOnly(true)
                .setTopics(new java.util.ArrayList<>(List.of(new io.samsa.wire.message.AddPartitionsToTxnRequest
                        .AddPartitionsToTxnTopic().setName("t").setPartitions(new java.util.ArrayList<>(List.of(0)))))));
        var resp = TxnHarness.done(h.coordinator.addPartitionsToTxn(TxnHarness.v(5), req));
        assertEquals(0, resp.errorCode());
        assertEquals("a", resp.resultsByTransaction().get(0).transactionalId());
        assertEquals(NONE, resp.resultsByTransaction().get(0).topicResults().get(0).resultsByPartition().get(0)
                .partitionErrorCode());
        assertEquals(FENCED, resp.resultsByTransaction().get(1).topicResults().get(0).resultsByPartition().get(0)
                .partitionErrorCode());
        assertEquals("Ongoing", h.state("a"));
        assertEquals("Empty", h.state("b"));
    }

    private List<String> states() {
        List<String> out = new java.util.ArrayList<>();
        io.samsa.coordinator.txn.record.TransactionRecordSerde serde =
                new io.samsa.coordinator.txn.record.TransactionRecordSerde();
        for (CoordinatorRecord r : h.partitions.records(0)) {
            var v = (io.samsa.coordinator.txn.record.TransactionLogValue) serde.deserialize(r.key(), r.value()).value();
            out.add(io.samsa.coordinator.txn.TxnState.fromId(v.transactionStatus()).displayName());
        }
        return out;
    }
}
