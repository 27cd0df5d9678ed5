package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.done;
import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's own clock: a transaction past its transaction.timeout.ms is aborted at the next check
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms) under a fencing epoch, so its producer is fenced; a
 * transactional id idle for transactional.id.expiration.ms is removed at the next cleanup
 * (transaction.remove.expired.transaction.cleanup.interval.ms), never one with a transaction in progress.
 */
class TransactionTimeoutAndExpiryTest {
    private final TxnHarness h = new TxnHarness(Map.of(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000",
            "transactional.id.expiration.ms", "60000",
            "transaction.remove.expired.transaction.cleanup.interval.ms", "10000"));

    private InitProducerIdResponse ongoing(String id, int timeoutMs) {
        InitProducerIdResponse p = done(h.initAsync(id, timeoutMs, -1, (short) -1, 4));
        assertEquals(0, h.add(id, p.producerId(), p.producerEpoch(), tp("t", 0)));
        return p;
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndItsProducerFenced() {
        h.transactionVersion.set(1);
        InitProducerIdResponse slow = ongoing("slow", 5000);
        InitProducerIdResponse fast = ongoing("fast", 60_000);
        h.scheduler.advance(5000);
        assertEquals("Ongoing", h.state("slow"), "at its timeout, not yet past it");
        h.scheduler.advance(1000);
        assertEquals("CompleteAbort", h.state("slow"));
        assertEquals(List.of("abort 1000 1 t-0"), h.markers.log(), "aborted under the fencing epoch");
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.end("slow", slow.producerId(), slow.producerEpoch(), true));
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), h.add("slow", slow.producerId(), slow.producerEpoch(),
                tp("t", 1)));
        assertEquals("Ongoing", h.state("fast"), "within its timeout");
        assertEquals(0, h.end("fast", fast.producerId(), fast.producerEpoch(), true));
        // A new producer of the timed-out id starts past the fencing epoch.
        assertEquals(2, h.init("slow").producerEpoch());
    }

    @Test
    void theTimeoutCountsFromTheFirstPartition() {
        InitProducerIdResponse p = done(h.initAsync("app", 5000, -1, (short) -1, 4));
        h.scheduler.advance(30_000);
        assertEquals("Empty", h.state("app"), "no transaction, nothing to time out");
        assertEquals(0, h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0)));
        h.scheduler.advance(4000);
        assertEquals("Ongoing", h.state("app"));
        h.scheduler.advance(2000);
        assertEquals("CompleteAbort", h.state("app"));
    }

    @Test
    void aTimedOutTransactionIsAbortedAgainAfterAFailover() {
        ongoing("app", 1000);
        h.markers.hold = true;
        h.scheduler.advance(2000);
        assertEquals("PrepareAbort", h.state("app"));
        h.failover();
        h.scheduler.advance(100);
        h.markers.answer();
        assertEquals("CompleteAbort", h.state("app"), "the new coordinator finished the abort");
    }

    @Test
    void idleTransactionalIdsExpireAndOngoingOnesDoNot() {
        InitProducerIdResponse idle = h.init("idle");
        InitProducerIdResponse done = h.init("done");
        h.add("done", done.producerId(), done.producerEpoch(), tp("t", 0));
        h.end("done", done.producerId(), done.producerEpoch(), true);
        ongoing("busy", 900_000);
        h.scheduler.advance(50_000);
        assertEquals("Empty", h.state("idle"));
        h.scheduler.advance(20_000);
        assertNull(h.state("idle"), "removed after 60 s idle, at the cleanup of 70 s");
        assertNull(h.state("done"));
        assertEquals("Ongoing", h.state("busy"), "a transaction in progress keeps its id");
        assertEquals(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND.code(), h.describe("idle").errorCode());
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING.code(), h.add("idle", idle.producerId(),
                idle.producerEpoch(), tp("t", 0)));
        InitProducerIdResponse again = h.init("idle");
        assertEquals(1003, again.producerId(), "a new producer id for the id's new life");
        h.failover();
        assertEquals("Empty", h.state("idle"));
        assertNull(h.state("done"), "the tombstone holds across a failover");
    }

    @Test
    void anUpdateRestartsTheExpiryClock() {
        h.init("app");
        h.scheduler.advance(50_000);
        h.init("app");
        h.scheduler.advance(50_000);
        assertEquals("Empty", h.state("app"));
        h.scheduler.advance(20_000);
        assertNull(h.state("app"));
    }

    @Test
    void expiryWritesAtMostOneBatch() {
        TxnHarness small = new TxnHarness(Map.of("transactional.id.expiration.ms", "1000",
                "message.max.bytes", "1000"));
        for (int i = 0; i < 40; i++) {
            small.init("id-" + i);
        }
        small.clock.advance(2000);
        int appends = small.partitions.appends;
        small.coordinator.expireTransactionalIdsNow();
        int first = small.partitions.records(0).size() - 40;
        assertEquals(appends + 1, small.partitions.appends, "one batch");
        assertEquals(true, first > 0 && first < 40, "as many tombstones as fit in message.max.bytes: " + first);
        small.coordinator.expireTransactionalIdsNow();
        small.coordinator.expireTransactionalIdsNow();
        assertEquals(80, small.partitions.records(0).size(), "the rest at the next runs");
    }
}
