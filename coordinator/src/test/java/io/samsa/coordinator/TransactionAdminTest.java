package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.done;
import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.message.ListTransactionsRequest;
import io.samsa.wire.message.ListTransactionsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * DescribeTransactions and ListTransactions, as kafka-transactions.sh uses them (describe, list, find-hanging): what
 * they report in each state and the filters of every version (state, producer id, duration KIP-994, id pattern
 * KIP-1152), with Kafka's errors.
 */
class TransactionAdminTest {
    private final TxnHarness h = new TxnHarness(Map.of("transaction.state.log.num.partitions", "3"));

    @Test
    void describeReportsTheStateProducerTimeoutStartAndPartitions() {
        InitProducerIdResponse p = h.init("app");
        DescribeTransactionsResponse.TransactionState empty = h.describe("app");
        assertEquals(0, empty.errorCode());
        assertEquals("Empty", empty.transactionState());
        assertEquals(p.producerId(), empty.producerId());
        assertEquals(0, empty.producerEpoch());
        assertEquals(60_000, empty.transactionTimeoutMs());
        assertEquals(-1, empty.transactionStartTimeMs());
        h.clock.advance(5);
        h.add("app", p.producerId(), p.producerEpoch(), tp("b", 1), tp("a", 2), tp("a", 0));
        DescribeTransactionsResponse.TransactionState ongoing = h.describe("app");
        assertEquals("Ongoing", ongoing.transactionState());
        assertEquals(h.clock.milliseconds(), ongoing.transactionStartTimeMs());
        assertEquals(2, ongoing.topics().size());
        assertEquals("a", ongoing.topics().get(0).topic());
        assertEquals(List.of(0, 2), ongoing.topics().get(0).partitions());
        assertEquals(List.of(1), ongoing.topics().get(1).partitions());
    }

    @Test
    void describeErrors() {
        DescribeTransactionsResponse r = done(h.coordinator.describeTransactions(TxnHarness.v(0),
                new DescribeTransactionsRequest().setTransactionalIds(new ArrayList<>(List.of("", "unknown")))));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), r.transactionStates().get(0).errorCode());
        assertEquals(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND.code(), r.transactionStates().get(1).errorCode());
        assertEquals("unknown", r.transactionStates().get(1).transactionalId());
        String id = idOn(2);
        h.coordinator.onResignation(2, -1);
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), h.describe(id).errorCode());
    }

    @Test
    void listFiltersByStateProducerDurationAndPattern() {
        InitProducerIdResponse a = h.init("orders-1");
        InitProducerIdResponse b = h.init("orders-2");
        h.init("payments-1");
        h.add("orders-1", a.producerId(), a.producerEpoch(), tp("t", 0));
        h.clock.advance(10_000);
        h.add("orders-2", b.producerId(), b.producerEpoch(), tp("t", 0));
        h.clock.advance(1000);

        assertEquals(List.of("orders-1 Ongoing", "orders-2 Ongoing", "payments-1 Empty"), list(0, List.of(),
                List.of(), -1, null).subList(0, 3));
        assertEquals(List.of("orders-1 Ongoing", "orders-2 Ongoing"), list(0, List.of("Ongoing"), List.of(), -1,
                null));
        assertEquals(List.of("orders-2 Ongoing"), list(0, List.of(), List.of(b.producerId()), -1, null));
        assertEquals(List.of("orders-1 Ongoing"), list(1, List.of("Ongoing"), List.of(), 5000, null),
                "running for more than 5 s");
        assertEquals(List.of("orders-1 Ongoing", "orders-2 Ongoing"), list(0, List.of("Ongoing"), List.of(), 5000,
                null), "v0 has no duration filter");
        assertEquals(List.of("payments-1 Empty"), list(2, List.of(), List.of(), -1, "pay.*"));
        assertEquals(List.of(), list(2, List.of(), List.of(), -1, "pay"), "the pattern matches the whole id");
    }

    @Test
    void listReportsUnknownStatesAndRefusesBadPatterns() {
        h.init("app");
        ListTransactionsResponse r = done(h.coordinator.listTransactions(TxnHarness.v(1), new ListTransactionsRequest()
                .setStateFilters(new ArrayList<>(List.of("Ongoing", "Unknown")))));
        assertEquals(0, r.errorCode());
        assertEquals(List.of("Unknown"), r.unknownStateFilters());
        assertEquals(0, r.transactionStates().size());
        ListTransactionsResponse only = done(h.coordinator.listTransactions(TxnHarness.v(1),
                new ListTransactionsRequest().setStateFilters(new ArrayList<>(List.of("Unknown")))));
        assertEquals(0, only.transactionStates().size(), "an unknown state matches nothing");
        ListTransactionsResponse bad = done(h.coordinator.listTransactions(TxnHarness.v(2),
                new ListTransactionsRequest().setTransactionalIdPattern("[unclosed")));
        assertEquals(ErrorCode.INVALID_REGULAR_EXPRESSION.code(), bad.errorCode());
    }

    @Test
    void listWhileAPartitionLoadsAnswersLoadInProgress() {
        TransactionCoordinator loading = new TransactionCoordinator(h.config, h.clock, h.scheduler, Runnable::run,
                h.partitions, (p, sink) -> p == 1 ? new CompletableFuture<>() : h.partitions.load(p, sink), h.ids,
                h.markers, () -> 2);
        loading.onElection(0, 0);
        loading.onElection(1, 0);
        ListTransactionsResponse r = done(loading.listTransactions(TxnHarness.v(0), new ListTransactionsRequest()));
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), r.errorCode());
    }

    private List<String> list(int version, List<String> states, List<Long> producers, long duration, String pattern) {
        ListTransactionsRequest req = new ListTransactionsRequest().setStateFilters(new ArrayList<>(states))
                .setProducerIdFilters(new ArrayList<>(producers));
        if (version >= 1) {
            req.setDurationFilter(duration);
        }
        if (version >= 2) {
            req.setTransactionalIdPattern(pattern);
        }
        ListTransactionsResponse r = done(h.coordinator.listTransactions(TxnHarness.v(version), req));
        assertEquals(0, r.errorCode());
        return r.transactionStates().stream().map(s -> s.transactionalId() + " " + s.transactionState()).sorted()
                .toList();
    }

    private String idOn(int partition) {
        String id = "x";
        while (h.coordinator.partitionFor(id) != partition) {
            id = id + "x";
        }
        return id;
    }
}
