package io.samsa.log;

import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProducerStateTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Map<String, String> PROPS = Map.of(LogConfig.SEGMENT_BYTES, "600",
            LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.PRODUCER_ID_EXPIRATION_MS, "60000");

    @TempDir
    Path tmp;
    ManualClock clock = new ManualClock(T0);
    LogManager manager;
    Log log;

    @BeforeEach
    void setUp() throws Exception {
        manager = open(tmp.resolve("live"));
        log = manager.getOrCreate("t", 0, LogConfig.fromMap(PROPS));
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private LogManager open(Path d) throws Exception {
        return LogManager.builder(d).clock(clock).scheduler(new TestLogs.ManualScheduler())
                .forcer(TestLogs.NO_FSYNC).configs(t -> LogConfig.fromMap(PROPS)).build();
    }

    private AppendResult send(Log l, long pid, int epoch, int seq, int count) {
        return TestLogs.append(l, TestLogs.idempotent(pid, (short) epoch, seq, clock.milliseconds(), count), 0);
    }

    private ErrorCode fails(Log l, long pid, int epoch, int seq, int count) {
        return assertThrows(SamsaException.class, () -> send(l, pid, epoch, seq, count)).errorCode();
    }

    @Test
    void duplicatesReturnOriginalOffsetsAndAreNotWritten() {
        send(log, 1, 0, 0, 2);
        AppendResult second = send(log, 1, 0, 2, 3);
        send(log, 2, 0, 0, 1);
        long end = log.logEndOffset();
        AppendResult dup = send(log, 1, 0, 2, 3);
        assertTrue(dup.duplicate());
        assertEquals(second.firstOffset(), dup.firstOffset());
        assertEquals(second.lastOffset(), dup.lastOffset());
        assertEquals(end, log.logEndOffset());
        // Only the last five batches are remembered: an older retry is out of order.
        for (int i = 0; i < 5; i++) {
            send(log, 1, 0, 5 + i, 1);
        }
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, fails(log, 1, 0, 2, 3));
    }

    @Test
    void sequenceAndEpochRules() {
        send(log, 1, 0, 0, 2);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, fails(log, 1, 0, 3, 1));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, fails(log, 1, 1, 5, 1));
        send(log, 1, 1, 0, 1);
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, fails(log, 1, 0, 2, 1));
        // An unknown producer may start at any sequence (Kafka 2.5+ answers no UNKNOWN_PRODUCER_ID).
        send(log, 9, 3, 42, 1);
        send(log, 9, 3, 43, 1);
        // Wrap-around at Integer.MAX_VALUE.
        send(log, 5, 0, Integer.MAX_VALUE - 1, 2);
        send(log, 5, 0, 0, 1);
        assertEquals(0, log.producerState().entry(5).lastSeq());
        // Two batches of one producer in one append must be consecutive.
        long end = log.logEndOffset();
        assertThrows(SamsaException.class, () -> TestLogs.append(log, TestLogs.concat(
                TestLogs.idempotent(6, (short) 0, 0, T0, 2), TestLogs.idempotent(6, (short) 0, 5, T0, 1)), 0));
        assertEquals(end, log.logEndOffset());
        AppendResult both = TestLogs.append(log, TestLogs.concat(TestLogs.idempotent(6, (short) 0, 0, T0, 2),
                TestLogs.idempotent(6, (short) 0, 2, T0, 1)), 0);
        assertEquals(end + 2, both.lastOffset());
    }

    @Test
    void stateSurvivesCleanAndUncleanRestarts() throws Exception {
        for (int i = 0; i < 30; i++) {
            send(log, 1, 0, i * 2, 2);
        }
        assertTrue(log.segmentCount() > 2);
        // Unclean: a crash image recovers state from the last roll snapshot plus the batches after it.
        Path img = tmp.resolve("img");
        TestLogs.copyTree(log.dir(), img.resolve("t-0"));
        try (LogManager m = open(img)) {
            Log r = m.get("t", 0);
            AppendResult dup = send(r, 1, 0, 58, 2);
            assertTrue(dup.duplicate());
            assertEquals(58, dup.firstOffset());
            assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, fails(r, 1, 0, 61, 1));
            assertEquals(60, send(r, 1, 0, 60, 1).firstOffset());
        }
        manager.close();
        manager = open(tmp.resolve("live"));
        assertTrue(manager.startedClean());
        log = manager.get("t", 0);
        assertTrue(send(log, 1, 0, 58, 2).duplicate());
        assertEquals(60, send(log, 1, 0, 60, 1).firstOffset());
    }

    @Test
    void idleProducersExpire() {
        send(log, 1, 0, 0, 1);
        clock.advance(30_000);
        send(log, 2, 0, 0, 1);
        clock.advance(30_001);
        assertEquals(1, log.removeExpiredProducers());
        assertEquals(null, log.producerState().entry(1));
        assertEquals(1, log.producerState().producerCount());
        // Expired: treated as unknown, any sequence is accepted.
        send(log, 1, 0, 77, 1);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, fails(log, 2, 0, 5, 1));
    }

    @Test
    void transactionsTrackUnstableOffsetsAndAborts() throws Exception {
        send(log, 1, 0, 0, 1);
        AppendResult t1 = TestLogs.append(log, TestLogs.batch(T0, 2, "t", 7, (short) 0, 0, true, Compression.NONE), 0);
        TestLogs.append(log, TestLogs.batch(T0, 2, "u", 8, (short) 0, 0, true, Compression.NONE), 0);
        assertEquals(t1.firstOffset(), log.firstUnstableOffset());
        // A non-transactional batch in the middle of a transaction is refused.
        assertEquals(ErrorCode.INVALID_TXN_STATE, assertThrows(SamsaException.class,
                () -> send(log, 7, 0, 2, 1)).errorCode());
        TestLogs.append(log, TestLogs.batch(T0, 1, "t", 7, (short) 0, 2, true, Compression.NONE), 0);
        AppendResult abort = log.appendTransactionMarker(7, (short) 0, false, 3, 0);
        assertEquals(3, log.firstUnstableOffset());
        AppendResult commit = log.appendTransactionMarker(8, (short) 0, true, 3, 0);
        assertEquals(-1, log.firstUnstableOffset());
        assertEquals(abort.lastOffset() + 1, commit.firstOffset());
        List<AbortedTransaction> aborted = log.collectAbortedTransactions(0, log.logEndOffset());
        assertEquals(1, aborted.size());
        assertEquals(7, aborted.get(0).producerId());
        assertEquals(t1.firstOffset(), aborted.get(0).firstOffset());
        assertEquals(abort.firstOffset(), aborted.get(0).lastOffset());
        assertTrue(log.collectAbortedTransactions(abort.firstOffset() + 1, log.logEndOffset()).isEmpty());
        assertEquals(ErrorCode.TRANSACTION_COORDINATOR_FENCED, assertThrows(SamsaException.class,
                () -> log.appendTransactionMarker(7, (short) 0, false, 2, 0)).errorCode());
        // The markers are readable control batches; data stays readable.
        assertEquals(6, TestLogs.readAll(log, 0).size());
        // After an unclean restart the abort is still listed once.
        Path img = tmp.resolve("img");
        TestLogs.copyTree(log.dir(), img.resolve("t-0"));
        try (LogManager m = open(img)) {
            Log r = m.get("t", 0);
            assertEquals(aborted, r.collectAbortedTransactions(0, r.logEndOffset()));
            assertEquals(-1, r.firstUnstableOffset());
            assertFalse(m.startedClean());
        }
    }

    @Test
    void aFollowerEndsTransactionsWithTheLeadersMarkers() throws Exception {
        // The leader: producer 7's transaction aborted, producer 8's committed, producer 9's still open.
        TestLogs.append(log, TestLogs.batch(T0, 2, "t", 7, (short) 0, 0, true, Compression.NONE), 0);
        AppendResult u = TestLogs.append(log, TestLogs.batch(T0, 1, "u", 8, (short) 0, 0, true,
                Compression.NONE), 0);
        AppendResult abort = log.appendTransactionMarker(7, (short) 0, false, 3, 0);
        log.appendTransactionMarker(8, (short) 0, true, 3, 0);
        AppendResult open = TestLogs.append(log, TestLogs.batch(T0, 1, "w", 9, (short) 0, 0, true,
                Compression.NONE), 0);
        List<AbortedTransaction> aborted = log.collectAbortedTransactions(0, log.logEndOffset());
        assertEquals(1, aborted.size());
        assertEquals(open.firstOffset(), log.firstUnstableOffset());

        // A follower copies the leader's bytes, markers included, in two fetches split after the abort marker.
        Log follower = manager.getOrCreate("t", 1, LogConfig.fromMap(PROPS));
        ReadResult first = log.read(0, Integer.MAX_VALUE, abort.lastOffset() + 1, true);
        ReadResult rest = log.read(abort.lastOffset() + 1, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        try {
            follower.appendAsFollower(Unpooled.wrappedBuffer(TestLogs.bytes(first.records())));
            assertEquals(u.firstOffset(), follower.firstUnstableOffset(), "the abort ended producer 7's transaction");
            follower.appendAsFollower(Unpooled.wrappedBuffer(TestLogs.bytes(rest.records())));
        } finally {
            first.release();
            rest.release();
        }
        assertEquals(log.logEndOffset(), follower.logEndOffset());
        assertEquals(open.firstOffset(), follower.firstUnstableOffset(), "only producer 9's transaction is open");
        assertEquals(aborted, follower.collectAbortedTransactions(0, follower.logEndOffset()));
        // As a leader, it fences the older coordinator and ends the open transaction.
        assertEquals(ErrorCode.TRANSACTION_COORDINATOR_FENCED, assertThrows(SamsaException.class,
                () -> follower.appendTransactionMarker(8, (short) 0, true, 2, 1)).errorCode());
        follower.appendTransactionMarker(9, (short) 0, true, 3, 1);
        assertEquals(-1, follower.firstUnstableOffset());
    }

    @Test
    void activeProducersListEveryProducerAndSurviveARestart() throws Exception {
        send(log, 3, 0, 0, 2);
        clock.advance(10);
        send(log, 3, 0, 2, 3);
        send(log, 1, 2, 0, 1);
        AppendResult txn = TestLogs.append(log, TestLogs.batch(clock.milliseconds() + 5, 2, "t", 7, (short) 4, 0, true,
                Compression.NONE), 0);
        TestLogs.append(log, TestLogs.batch(T0, 1, "u", 8, (short) 1, 0, true, Compression.NONE), 0);
        clock.advance(20);
        log.appendTransactionMarker(8, (short) 1, true, 6, 0);
        List<ActiveProducer> expected = List.of(
                new ActiveProducer(1, (short) 2, 0, T0 + 10, -1, -1),
                new ActiveProducer(3, (short) 0, 4, T0 + 12, -1, -1),
                new ActiveProducer(7, (short) 4, 1, T0 + 16, -1, txn.firstOffset()),
                new ActiveProducer(8, (short) 1, 0, T0 + 30, 6, -1));
        assertEquals(expected, log.activeProducers());
        manager.close();
        manager = open(tmp.resolve("live"));
        log = manager.get("t", 0);
        assertEquals(expected, log.activeProducers(), "from the snapshot written at the clean close");
    }

    private AppendResult txn(long pid, int epoch, int seq, int count, VerificationGuard guard) {
        io.netty.buffer.ByteBuf b = TestLogs.batch(clock.milliseconds(), count, "x", pid, (short) epoch, seq, true,
                Compression.NONE);
        try {
            return log.appendAsLeader(b, 0, guard);
        } finally {
            b.release();
        }
    }

    private ErrorCode txnFails(long pid, int epoch, int seq, VerificationGuard guard) {
        return assertThrows(SamsaException.class, () -> txn(pid, epoch, seq, 1, guard)).errorCode();
    }

    @Test
    void aTransactionStartsOnlyWithItsVerification() {
        // Nothing verified: the first transactional batch is refused, and nothing is written.
        assertEquals(ErrorCode.INVALID_TXN_STATE, txnFails(4, 0, 0, VerificationGuard.SENTINEL));
        assertEquals(0, log.logEndOffset());
        VerificationGuard guard = log.startTransactionVerification(4, 0, (short) 0, false);
        assertTrue(guard.isGuard());
        assertEquals(guard, log.startTransactionVerification(4, 0, (short) 0, false), "joined, not restarted");
        assertEquals(ErrorCode.INVALID_TXN_STATE, txnFails(4, 0, 0, VerificationGuard.newGuard()));
        assertEquals(0, txn(4, 0, 0, 2, guard).firstOffset());
        // Ongoing: no verification is needed, and the guard is spent.
        assertEquals(VerificationGuard.SENTINEL, log.startTransactionVerification(4, 2, (short) 0, false));
        assertEquals(VerificationGuard.SENTINEL, log.producerState().verificationGuard(4));
        assertEquals(2, txn(4, 0, 2, 1, VerificationGuard.SENTINEL).firstOffset());
        log.appendTransactionMarker(4, (short) 0, true, 0, 0);
        // A late retry of a batch of the ended transaction cannot open a new one (a hanging transaction).
        VerificationGuard next = log.startTransactionVerification(4, 3, (short) 0, false);
        log.appendTransactionMarker(4, (short) 0, false, 0, 0);
        assertEquals(ErrorCode.INVALID_TXN_STATE, txnFails(4, 0, 3, next), "the marker ended the verification");
        assertEquals(-1, log.firstUnstableOffset());
        // The caller that does not verify is not checked; an older epoch is refused before any verification.
        assertEquals(5, txn(8, 2, 0, 1, VerificationGuard.NONE).firstOffset());
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, assertThrows(SamsaException.class,
                () -> log.startTransactionVerification(8, 0, (short) 1, false)).errorCode());
        // A verification must start at its lowest sequence.
        VerificationGuard g6 = log.startTransactionVerification(6, 0, (short) 0, false);
        log.startTransactionVerification(6, 3, (short) 0, false);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, txnFails(6, 0, 3, g6));
        assertEquals(6, txn(6, 0, 0, 1, g6).firstOffset());
    }

    @Test
    void v2MarkersNeedANewerEpochAndKeepTheNextVerification() {
        VerificationGuard g = log.startTransactionVerification(9, 0, (short) 3, true);
        // TV2: a producer without state here starts at sequence 0.
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, txnFails(9, 3, 4, g));
        txn(9, 3, 0, 1, g);
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, assertThrows(SamsaException.class,
                () -> log.appendTransactionMarker(9, (short) 3, true, 1, 0, (short) 2)).errorCode(),
                "a V2 marker at the transaction's own epoch is stale");
        // The producer verifies its next transaction (at the bumped epoch) before the marker arrives.
        VerificationGuard next = log.startTransactionVerification(9, 0, (short) 4, true);
        log.appendTransactionMarker(9, (short) 4, true, 1, 0, (short) 2);
        assertEquals(-1, log.firstUnstableOffset());
        // A marker written again at the same epoch once the transaction is over is a retry: written, no error.
        AppendResult again = log.appendTransactionMarker(9, (short) 4, true, 1, 0, (short) 2);
        assertEquals(2, again.firstOffset());
        assertEquals(next, log.producerState().verificationGuard(9), "the next transaction's verification survives");
        assertEquals(3, txn(9, 4, 0, 1, next).firstOffset());
        // V1 markers: the same epoch is fine, an older one is not.
        log.appendTransactionMarker(9, (short) 4, false, 1, 0, (short) 0);
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, assertThrows(SamsaException.class,
                () -> log.appendTransactionMarker(9, (short) 3, false, 1, 0, (short) 0)).errorCode());
    }

    @Test
    void aReplayedMarkerKeepsItsCoordinatorEpoch() throws Exception {
        txn(7, 0, 0, 1, VerificationGuard.NONE);
        log.appendTransactionMarker(7, (short) 0, true, 5, 0);
        // An unclean restart replays the marker (no snapshot covers it): coordinator epoch 5 is remembered.
        Path img = tmp.resolve("img");
        TestLogs.copyTree(log.dir(), img.resolve("t-0"));
        try (LogManager m = open(img)) {
            Log r = m.get("t", 0);
            assertEquals(ErrorCode.TRANSACTION_COORDINATOR_FENCED, assertThrows(SamsaException.class,
                    () -> r.appendTransactionMarker(7, (short) 0, true, 4, 0)).errorCode());
            assertEquals(5, r.activeProducers().get(0).coordinatorEpoch());
        }
    }

    @Test
    void aCoordinatorsBatchesHaveNoSequencesOnlyEpochs() {
        // Two transactions of one producer, each batch with sequence -1: neither is a duplicate nor out of order.
        for (int offset = 0; offset < 4; offset += 2) {
            io.netty.buffer.ByteBuf b = coordinatorBatch(11, (short) 2);
            try {
                assertEquals(offset, log.appendAsCoordinator(b, 0).firstOffset());
            } finally {
                b.release();
            }
            log.appendTransactionMarker(11, (short) 2, true, 0, 0);
        }
        io.netty.buffer.ByteBuf old = coordinatorBatch(11, (short) 1);
        try {
            assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, assertThrows(SamsaException.class,
                    () -> log.appendAsCoordinator(old, 0)).errorCode());
        } finally {
            old.release();
        }
    }

    /** A coordinator's transactional batch of one record: a producer's batch without a sequence number. */
    private static io.netty.buffer.ByteBuf coordinatorBatch(long pid, short epoch) {
        try (io.samsa.wire.record.RecordBatchBuilder b = new io.samsa.wire.record.RecordBatchBuilder(
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)) {
            b.producer(pid, epoch, io.samsa.wire.record.RecordBatchView.NO_SEQUENCE).transactional(true);
            b.append(T0, "k".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "o".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return b.build();
        }
    }
}
