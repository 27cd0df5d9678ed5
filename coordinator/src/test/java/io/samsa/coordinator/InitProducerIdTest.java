package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.done;
import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * InitProducerId as Kafka's transaction coordinator answers it: new ids, epoch bumps that fence the previous producer,
 * an ongoing transaction aborted under a fencing epoch, epoch exhaustion, KIP-360 recovery with the producer's own id
 * and epoch, bad input, and producer ids that take a while to come.
 */
class InitProducerIdTest {
    private static final short MAX = Short.MAX_VALUE;
    private final TxnHarness h = new TxnHarness();

    private static short code(InitProducerIdResponse r) {
        return r.errorCode();
    }

    @Test
    void aNewTransactionalIdGetsANewProducerIdAtEpochZero() {
        InitProducerIdResponse r = h.init("app");
        assertEquals(0, r.errorCode());
        assertEquals(1000, r.producerId());
        assertEquals(0, r.producerEpoch());
        assertEquals("Empty", h.state("app"));
        assertEquals(1, h.partitions.records(0).size(), "one record");
        InitProducerIdResponse other = h.init("other");
        assertEquals(1001, other.producerId(), "every transactional id has its own producer id");
    }

    @Test
    void aProducerWithoutTransactionalIdGetsAProducerIdAndNothingIsWritten() {
        InitProducerIdResponse r = done(h.coordinator.initProducerId(TxnHarness.v(4),
                new InitProducerIdRequest().setTransactionalId(null).setTransactionTimeoutMs(-1)));
        assertEquals(0, r.errorCode());
        assertEquals(1000, r.producerId());
        assertEquals(0, r.producerEpoch());
        assertEquals(0, h.partitions.appends);
    }

    @Test
    void reInitialisingBumpsTheEpochAndFencesThePreviousProducer() {
        InitProducerIdResponse first = h.init("app");
        InitProducerIdResponse second = h.init("app");
        assertEquals(first.producerId(), second.producerId());
        assertEquals(1, second.producerEpoch());
        // The zombie's requests: PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH for versions that predate it.
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.add("app", first.producerId(), first.producerEpoch(),
                tp("t", 0)));
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH.code(), h.add(1, "app", first.producerId(),
                first.producerEpoch(), tp("t", 0)));
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.end("app", first.producerId(), first.producerEpoch(), true));
        assertEquals(0, h.add("app", second.producerId(), second.producerEpoch(), tp("t", 0)));
    }

    @Test
    void anOngoingTransactionIsAbortedUnderAFencingEpochAndTheProducerRetries() {
        h.transactionVersion.set(1);
        InitProducerIdResponse p = h.init("app");
        assertEquals(0, h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0), tp("t", 1)));
        h.markers.hold = true;

        InitProducerIdResponse retry = h.init("app");
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS.code(), code(retry));
        assertEquals("PrepareAbort", h.state("app"));
        assertEquals(List.of("abort 1000 1 t-0", "abort 1000 1 t-1"), h.markers.log(),
                "the abort's markers carry the fencing epoch, one above the producer's");
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS.code(), code(h.init("app")), "still aborting");
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.end("app", p.producerId(), p.producerEpoch(), true));

        h.markers.answer();
        assertEquals("CompleteAbort", h.state("app"));
        InitProducerIdResponse next = h.init("app");
        assertEquals(0, next.errorCode());
        assertEquals(2, next.producerEpoch(), "bumped again past the fencing epoch");
    }

    @Test
    void underTheV2ProtocolTheFencingAbortBumpsTwice() {
        InitProducerIdResponse p = h.init("app");
        assertEquals(0, h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0)));
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS.code(), code(h.init("app")));
        assertEquals(List.of("abort 1000 2 t-0"), h.markers.log(), "fenced at 1, aborted as V2 at 2");
        assertEquals(2, h.markers.calls.get(0).transactionVersion());
        assertEquals(3, h.init("app").producerEpoch());
    }

    @Test
    void aV2TransactionIsFencedPastTheEpochOfAnEndTxnRetryWhateverTheFinalizedVersion() {
        h.transactionVersion.set(1);
        InitProducerIdResponse p = h.init("app");
        h.addFromBroker(5, false, "app", p.producerId(), p.producerEpoch(), tp("t", 0));
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS.code(), code(h.init("app")));
        assertEquals(List.of("abort 1000 2 t-0"), h.markers.log());
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.end(5, "app", p.producerId(), p.producerEpoch(), false)
                .errorCode(), "the fenced producer's abort is not taken for a retry of an EndTxn that bumped once");
    }

    @Test
    void whileMarkersAreBeingWrittenInitAnswersConcurrentTransactions() {
        InitProducerIdResponse p = h.init("app");
        h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0));
        h.markers.hold = true;
        assertEquals(0, h.end("app", p.producerId(), p.producerEpoch(), true));
        assertEquals("PrepareCommit", h.state("app"));
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS.code(), code(h.init("app")));
        h.markers.answer();
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(1, h.init("app").producerEpoch());
    }

    @Test
    void exhaustedEpochsMoveTheIdToANewProducerId() {
        h.seed("app", 77, (short) (MAX - 2), "CompleteCommit", 0);
        InitProducerIdResponse last = h.init("app");
        assertEquals(77, last.producerId());
        assertEquals(MAX - 1, last.producerEpoch(), "the last epoch a producer may hold");
        InitProducerIdResponse rotated = h.init("app");
        assertEquals(1000, rotated.producerId(), "a new producer id");
        assertEquals(0, rotated.producerEpoch());
        assertTrue(h.describeState(0).contains("pid=1000 epoch=0 prev=77"), h.describeState(0));
    }

    @Test
    void kip360AProducerNamingItsIdAndEpochIsBumpedAndItsRetryGetsTheSameAnswer() {
        InitProducerIdResponse p = h.init("app");
        InitProducerIdResponse resumed = h.init("app", p.producerId(), p.producerEpoch());
        assertEquals(0, resumed.errorCode());
        assertEquals(1, resumed.producerEpoch());
        // The answer was lost; the producer asks again with what it had: the same answer, no second bump.
        InitProducerIdResponse retried = h.init("app", p.producerId(), p.producerEpoch());
        assertEquals(0, retried.errorCode());
        assertEquals(1, retried.producerEpoch());
        assertEquals(3, h.partitions.records(0).size());
        // Another producer took over since: the old one's retry is fenced.
        h.init("app");
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), code(h.init("app", p.producerId(), p.producerEpoch())));
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH.code(), code(done(h.initAsync("app", 60_000, p.producerId(),
                p.producerEpoch(), 3))), "v3 does not know PRODUCER_FENCED");
    }

    @Test
    void kip360AProducerNamingAnotherProducerIdIsFenced() {
        h.init("app");
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), code(h.init("app", 4242, (short) 0)));
    }

    @Test
    void kip360AnExpiredIdNamedByItsFormerProducerStartsAfresh() {
        InitProducerIdResponse r = h.init("gone", 555, (short) 7);
        assertEquals(0, r.errorCode());
        assertEquals(1000, r.producerId());
        assertEquals(0, r.producerEpoch());
    }

    @Test
    void kip360ARetryOfTheCallThatRotatedTheProducerIdGetsTheNewId() {
        h.seed("app", 77, (short) (MAX - 1), "CompleteAbort", 0);
        InitProducerIdResponse rotated = h.init("app", 77, (short) (MAX - 1));
        assertEquals(1000, rotated.producerId());
        assertEquals(0, rotated.producerEpoch());
        InitProducerIdResponse retried = h.init("app", 77, (short) (MAX - 1));
        assertEquals(0, retried.errorCode());
        assertEquals(1000, retried.producerId());
        assertEquals(0, retried.producerEpoch());
    }

    @Test
    void badInputGetsKafkasErrors() {
        assertEquals(ErrorCode.INVALID_REQUEST.code(), code(done(h.initAsync("", 1000, -1, (short) -1, 4))));
        assertEquals(ErrorCode.INVALID_TRANSACTION_TIMEOUT.code(), code(done(h.initAsync("a", 0, -1, (short) -1, 4))));
        assertEquals(ErrorCode.INVALID_TRANSACTION_TIMEOUT.code(),
                code(done(h.initAsync("a", 900_001, -1, (short) -1, 4))), "above transaction.max.timeout.ms");
        assertEquals(0, code(done(h.initAsync("a", 900_000, -1, (short) -1, 4))));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), code(done(h.initAsync("a", 1000, 5, (short) -1, 4))),
                "a producer id without an epoch");
        assertEquals(ErrorCode.INVALID_REQUEST.code(), code(done(h.initAsync("a", 1000, -1, (short) 3, 4))));
        InitProducerIdResponse twoPc = done(h.coordinator.initProducerId(TxnHarness.v(6), new InitProducerIdRequest()
                .setTransactionalId("a").setTransactionTimeoutMs(1000).setProducerId(-1).setProducerEpoch((short) -1)
                .setEnable2Pc(true)));
        assertEquals(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), twoPc.errorCode(), "no 2PC (KIP-939)");
        assertEquals(-1, twoPc.producerId());
    }

    @Test
    void aProducerIdThatTakesAWhileIsWaitedForOffTheEventThread() {
        h.ids.hold = true;
        CompletableFuture<InitProducerIdResponse> pending = h.initAsync("app", 60_000, -1, (short) -1, 4);
        assertFalse(pending.isDone());
        assertEquals(0, h.partitions.appends, "nothing written before the id is known");
        assertEquals(0, done(h.coordinator.describeTransactions(TxnHarness.v(0),
                new io.samsa.wire.message.DescribeTransactionsRequest().setTransactionalIds(
                        new java.util.ArrayList<>(List.of("other"))))).transactionStates().size() - 1,
                "other requests are served meanwhile");
        h.ids.release();
        assertEquals(1000, done(pending).producerId());
        assertEquals("Empty", h.state("app"));
    }

    @Test
    void aProducerIdSourceThatFailsAnswersItsError() {
        h.ids.failWith = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), code(h.init("app")));
        assertEquals(0, h.partitions.appends);
        h.ids.failWith = null;
        h.ids.hold = true;
        CompletableFuture<InitProducerIdResponse> pending = h.initAsync("app", 60_000, -1, (short) -1, 4);
        h.coordinator.onResignation(0, -1);
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), code(done(pending)), "the partition left while it waited");
    }

    @Test
    void partitionsNotLedHereOrStillLoadingAnswerAsKafka() {
        TxnHarness two = new TxnHarness(Map.of("transaction.state.log.num.partitions", "2"));
        two.coordinator.onResignation(1, -1);
        String onOne = "a";
        while (two.coordinator.partitionFor(onOne) != 1) {
            onOne = onOne + "a";
        }
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), code(two.init(onOne)));
        TransactionCoordinator loading = new TransactionCoordinator(two.config, two.clock, two.scheduler,
                Runnable::run, two.partitions, (p, sink) -> new CompletableFuture<>(), two.ids, two.markers, () -> 2);
        loading.onElection(1, 0);
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), done(loading.initProducerId(TxnHarness.v(4),
                new InitProducerIdRequest().setTransactionalId(onOne).setTransactionTimeoutMs(1000))).errorCode());
    }

    @Test
    void placementIsKafkas() {
        // Utils.abs(hashCode) % 50, where abs(Integer.MIN_VALUE) is 0.
        assertEquals(Math.abs("my-transactional-id".hashCode()) % 50,
                TransactionCoordinator.partitionFor("my-transactional-id", 50));
        assertEquals(0, TransactionCoordinator.partitionFor("polygenelubricants", 50),
                "\"polygenelubricants\".hashCode() is Integer.MIN_VALUE");
    }
}
