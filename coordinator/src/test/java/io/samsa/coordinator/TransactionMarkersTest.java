package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writing a transaction's markers: retriable errors are retried after the backoff for the partitions that failed only,
 * DescribeTransactions meanwhile shows the partitions still without a marker, the transaction completes only when
 * every marker is written, a partition that says a newer coordinator owns the transaction stops the sending, and a
 * coordinator that takes over resumes the markers of every transaction it finds being completed.
 */
class TransactionMarkersTest {
    private final TxnHarness h = new TxnHarness(Map.of("samsa.transaction.marker.retry.backoff.ms", "50"));

    private long commitOf(String id, TopicPartition... tps) {
        InitProducerIdResponse p = h.init(id);
        assertEquals(0, h.add(id, p.producerId(), p.producerEpoch(), tps));
        assertEquals(0, h.end(id, p.producerId(), p.producerEpoch(), true));
        return p.producerId();
    }

    private static List<String> withoutMarkers(DescribeTransactionsResponse.TransactionState s) {
        return s.topics().stream().flatMap(t -> t.partitions().stream().map(i -> t.topic() + "-" + i)).toList();
    }

    @Test
    void retriableErrorsAreRetriedForTheFailedPartitionsOnly() {
        h.markers.fail(tp("t", 1), ErrorCode.NOT_LEADER_OR_FOLLOWER, 2);
        commitOf("app", tp("t", 0), tp("t", 1), tp("t", 2));
        assertEquals("PrepareCommit", h.state("app"));
        assertEquals(List.of("t-1"), withoutMarkers(h.describe("app")), "two markers are written");
        h.scheduler.advance(49);
        assertEquals(3, h.markers.sent.size(), "not before the backoff");
        h.scheduler.advance(1);
        assertEquals(4, h.markers.sent.size(), "t-1 alone is sent again");
        assertEquals("PrepareCommit", h.state("app"));
        h.scheduler.advance(50);
        assertEquals(List.of("commit 1000 0 t-0", "commit 1000 0 t-1", "commit 1000 0 t-2", "commit 1000 0 t-1",
                "commit 1000 0 t-1"), h.markers.log());
        assertEquals("CompleteCommit", h.state("app"), "complete once every marker is written");
        assertEquals(List.of(), withoutMarkers(h.describe("app")));
    }

    @Test
    void aFailedWriteOfTheMarkersIsRetriedAsAConnectionError() {
        h.markers.hold = true;
        commitOf("app", tp("t", 0));
        h.markers.sent.get(0).future().completeExceptionally(new java.io.IOException("connection reset"));
        assertEquals("PrepareCommit", h.state("app"));
        h.markers.hold = false;
        h.scheduler.advance(100);
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(2, h.markers.sent.size());
    }

    @Test
    void everyRetriableErrorIsRetried() {
        List<ErrorCode> retriable = List.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_ENOUGH_REPLICAS,
                ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.KAFKA_STORAGE_ERROR,
                ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR, ErrorCode.NETWORK_EXCEPTION);
        int i = 0;
        for (ErrorCode e : retriable) {
            h.markers.fail(tp("t", i), e, 1);
            String id = "app-" + i;
            commitOf(id, tp("t", i));
            assertEquals("PrepareCommit", h.state(id), e.name());
            h.scheduler.advance(50);
            assertEquals("CompleteCommit", h.state(id), e.name());
            i++;
        }
    }

    @Test
    void aNewerCoordinatorOrProducerStopsTheSending() {
        for (ErrorCode e : List.of(ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH,
                ErrorCode.MESSAGE_TOO_LARGE)) {
            String id = "app-" + e.name();
            h.markers.fail(tp(id, 0), e, 1);
            commitOf(id, tp(id, 0), tp(id, 1));
            int sent = h.markers.sent.size();
            h.scheduler.advance(10_000);
            assertEquals(sent, h.markers.sent.size(), e + ": nothing is sent again");
            assertEquals("PrepareCommit", h.state(id), e + ": not completed");
            assertEquals(List.of(id + "-0"), withoutMarkers(h.describe(id)));
        }
    }

    @Test
    void aPartitionThatNoLongerTakesMarkersIsDropped() {
        h.markers.fail(tp("t", 0), ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 1);
        commitOf("app", tp("t", 0), tp("t", 1));
        assertEquals("CompleteCommit", h.state("app"));
    }

    @Test
    void aCoordinatorThatTakesOverResumesTheMarkers() {
        h.markers.hold = true;
        commitOf("app", tp("t", 0), tp("t", 1));
        h.markers.sent.get(0).future().complete(ErrorCode.NONE);
        h.failover();
        assertEquals("PrepareCommit", h.state("app"));
        assertEquals(List.of("t-0", "t-1"), withoutMarkers(h.describe("app")),
                "marker progress is in memory: the new coordinator sends every marker again");
        assertEquals(2, h.markers.sent.size(), "after the backoff");
        h.scheduler.advance(50);
        assertEquals(4, h.markers.sent.size());
        TransactionMarkerWriter.Markers resent = h.markers.calls.get(1);
        assertEquals(h.epoch, resent.coordinatorEpoch(), "under the new coordinator epoch");
        assertTrue(resent.commit());
        // The old coordinator's answers arrive late: ignored.
        h.markers.sent.get(1).future().complete(ErrorCode.NONE);
        assertEquals("PrepareCommit", h.state("app"));
        h.markers.answer();
        assertEquals("CompleteCommit", h.state("app"));
    }

    @Test
    void aTransactionWithoutPartitionsCompletesWithoutMarkers() {
        InitProducerIdResponse p = h.init("app");
        assertEquals(0, h.add("app", p.producerId(), p.producerEpoch()));
        assertEquals(0, h.end("app", p.producerId(), p.producerEpoch(), true));
        assertEquals("CompleteCommit", h.state("app"));
        assertTrue(h.markers.calls.isEmpty());
    }

    @Test
    void aWriterThatThrowsIsRetried() {
        h.markers.throwNext = new IllegalStateException("a bug in the writer");
        commitOf("app", tp("t", 0));
        assertEquals("PrepareCommit", h.state("app"));
        h.scheduler.advance(50);
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(List.of("commit 1000 0 t-0"), h.markers.log());
    }

    @Test
    void anErrorThatIsNotRetriableStopsTheSending() {
        h.markers.hold = true;
        commitOf("app", tp("t", 0));
        h.markers.sent.get(0).future().completeExceptionally(new SamsaException(ErrorCode.BROKER_NOT_AVAILABLE,
                "down"));
        h.markers.hold = false;
        h.scheduler.advance(10_000);
        assertEquals("PrepareCommit", h.state("app"));
        assertEquals(1, h.markers.sent.size());
    }
}
