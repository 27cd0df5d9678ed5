package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A coordinator failover in every state of a transaction, under both protocols: the new coordinator finds the state
 * in the records and the producer carries on (or its transaction completes) as if nothing happened.
 */
class TransactionFailoverTest {
    private final TxnHarness h = new TxnHarness();

    /** EndTxn at the protocol's version; returns the epoch the producer continues with. */
    private short end(boolean v2, long pid, short epoch, boolean commit) {
        EndTxnResponse r = h.end(v2 ? 5 : 3, "app", pid, epoch, commit);
        assertEquals(0, r.errorCode());
        return v2 ? r.producerEpoch() : epoch;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void empty(boolean v2) {
        InitProducerIdResponse p = h.init("app");
        h.failover();
        assertEquals("Empty", h.state("app"));
        assertEquals(0, h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0)));
        end(v2, p.producerId(), p.producerEpoch(), true);
        assertEquals("CompleteCommit", h.state("app"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void ongoing(boolean v2) {
        InitProducerIdResponse p = h.init("app");
        h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0), tp("u", 1));
        h.failover();
        assertEquals("Ongoing", h.state("app"));
        assertEquals(2, h.describe("app").topics().size());
        end(v2, p.producerId(), p.producerEpoch(), true);
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(List.of("commit t-0", "commit u-1"), h.markers.log().stream()
                .map(s -> s.split(" ")[0] + " " + s.split(" ")[3]).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"commit-v1", "commit-v2", "abort-v1", "abort-v2"})
    void preparing(String how) {
        boolean commit = how.startsWith("commit");
        boolean v2 = how.endsWith("v2");
        InitProducerIdResponse p = h.init("app");
        h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0));
        h.markers.hold = true;
        short next = end(v2, p.producerId(), p.producerEpoch(), commit);
        h.failover();
        h.markers.hold = false;
        assertEquals(commit ? "PrepareCommit" : "PrepareAbort", h.state("app"));
        h.scheduler.advance(h.config.markerRetryBackoffMs());
        assertEquals(commit ? "CompleteCommit" : "CompleteAbort", h.state("app"));
        String marker = (commit ? "commit " : "abort ") + p.producerId() + " " + next + " t-0";
        assertEquals(List.of(marker, marker), h.markers.log(), "the same marker, again");
        assertEquals(h.epoch, h.markers.calls.get(1).coordinatorEpoch());
        if (v2) {
            EndTxnResponse retry = h.end(5, "app", p.producerId(), p.producerEpoch(), commit);
            assertEquals(0, retry.errorCode(), "the producer's retry is recognised by the new coordinator");
            assertEquals(next, retry.producerEpoch());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void complete(boolean v2) {
        InitProducerIdResponse p = h.init("app");
        h.add("app", p.producerId(), p.producerEpoch(), tp("t", 0));
        short next = end(v2, p.producerId(), p.producerEpoch(), false);
        h.failover();
        assertEquals("CompleteAbort", h.state("app"));
        assertEquals(0, h.add("app", p.producerId(), next, tp("t", 1)), "the next transaction");
        short after = end(v2, p.producerId(), next, true);
        assertEquals(v2 ? next + 1 : next, after);
        h.failover();
        assertEquals("CompleteCommit", h.state("app"));
        assertEquals(next + (v2 ? 2 : 1), h.init("app").producerEpoch(), "a new producer takes over");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRetryOfInitProducerIdIsNotRecognisedAcrossAFailoverAsInKafka(boolean keep) {
        InitProducerIdResponse p = h.init("app");
        h.init("app", p.producerId(), p.producerEpoch());
        if (!keep) {
            h.failover();
        }
        short expected = keep ? 0 : ErrorCode.PRODUCER_FENCED.code();
        assertEquals(expected, h.init("app", p.producerId(), p.producerEpoch()).errorCode(),
                "the epoch before the last InitProducerId is kept in memory only");
    }
}
