package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.txn.TxnState;
import io.samsa.coordinator.txn.record.TransactionLogKey;
import io.samsa.coordinator.txn.record.TransactionLogValue;
import io.samsa.coordinator.txn.record.TransactionRecordSerde;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * State is what the records say, and a transaction ends the same way everywhere. Random producers of a few
 * transactional ids, V1 and V2, with zombies that keep their old epochs: InitProducerId (with and without KIP-360),
 * partitions added by the client, by a broker (V2) and as offsets, verifications, commits and aborts; time passing
 * (timeouts, expiry); markers held, failing and answered late; writes failing; the finalized transaction.version
 * changing; and coordinator failovers in whatever state the transactions are. After every step a fresh load of the
 * written records finds the same state. At the end, once markers are answered and time passes, no transaction is left
 * half-completed, and the log shows that every marker matched the PrepareCommit/PrepareAbort of its transaction and
 * that a transaction completed only after every one of its partitions had its marker. 25 seeds by default; a failure
 * names its seed, {@code -Dsim.seed=N} replays it, {@code -Dsim.seeds=K} runs K seeds (testkit's {@link Simulation}).
 */
class TransactionReplayPropertyTest {
    private static final String[] IDS = {"a", "b", "c", "d"};
    private static final int STEPS = 300;

    /** A producer of one transactional id: what it was last told. */
    private static final class Producer {
        final String id;
        final boolean v2;
        long pid = -1;
        short epoch = -1;

        Producer(String id, boolean v2) {
            this.id = id;
            this.v2 = v2;
        }
    }

    @Test
    void aFreshLoadFindsTheSameStateAndTransactionsEndEverywhereAlike() {
        Simulation.forEachSeed("TransactionReplayPropertyTest", 25, this::run);
    }

    private void run(long seed) {
        Random rnd = Simulation.random(seed);
        TxnHarness h = new TxnHarness(Map.of("transactional.id.expiration.ms", "120000",
                "transaction.remove.expired.transaction.cleanup.interval.ms", "7000",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000",
                "samsa.transaction.marker.retry.backoff.ms", "200"));
        h.markers.position = () -> h.partitions.entries(0).size();
        List<Producer> producers = new ArrayList<>();
        List<Producer> zombies = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            h.partitions.failWith = rnd.nextInt(40) == 0 ? ErrorCode.NOT_ENOUGH_REPLICAS : null;
            int action = rnd.nextInt(100);
            if (producers.isEmpty() || action < 15) {
                Producer p = producers.isEmpty() || rnd.nextInt(3) == 0
                        ? new Producer(IDS[rnd.nextInt(IDS.length)], rnd.nextBoolean())
                        : producers.get(rnd.nextInt(producers.size()));
                if (!producers.contains(p)) {
                    producers.add(p);
                }
                init(h, rnd, p, zombies);
            } else if (action < 55) {
                transactionStep(h, rnd, producers.get(rnd.nextInt(producers.size())));
            } else if (action < 62 && !zombies.isEmpty()) {
                transactionStep(h, rnd, zombies.get(rnd.nextInt(zombies.size())));
            } else if (action < 75) {
                h.scheduler.advance(rnd.nextInt(8) == 0 ? 10_000 + rnd.nextInt(150_000) : rnd.nextInt(2_000));
            } else if (action < 85) {
                markerStep(h, rnd);
            } else if (action < 90) {
                h.partitions.failWith = null;
                h.failover();
            } else if (action < 92) {
                h.transactionVersion.set(rnd.nextInt(3));
            } else {
                transactionStep(h, rnd, producers.get(rnd.nextInt(producers.size())));
            }
            h.partitions.failWith = null;
            assertReplaysAlike(h, "step " + step);
        }
        // At rest: every marker answered, retries and timeouts run their course.
        h.markers.hold = false;
        h.markers.answer();
        for (int i = 0; i < 10; i++) {
            h.scheduler.advance(70_000);
            h.markers.answer();
        }
        String state = h.describeState(0);
        assertFalse(state.contains("Prepare"), "no transaction left half-completed:\n" + state);
        assertFalse(state.contains("Ongoing"), "every transaction timed out and was aborted:\n" + state);
        assertReplaysAlike(h, "at rest");
        assertMarkersMatchTheirTransactions(h);
    }

    private static void init(TxnHarness h, Random rnd, Producer p, List<Producer> zombies) {
        int timeout = rnd.nextBoolean() ? 3_000 : 60_000;
        boolean resume = p.pid >= 0 && rnd.nextInt(3) == 0;
        InitProducerIdResponse r = TxnHarness.done(h.initAsync(p.id, timeout, resume ? p.pid : -1,
                resume ? p.epoch : -1, 5));
        if (r.errorCode() == 0) {
            if (p.pid >= 0 && rnd.nextBoolean()) {
                Producer zombie = new Producer(p.id, p.v2);
                zombie.pid = p.pid;
                zombie.epoch = p.epoch;
                zombies.add(zombie);
            }
            p.pid = r.producerId();
            p.epoch = r.producerEpoch();
        }
    }

    private static void transactionStep(TxnHarness h, Random rnd, Producer p) {
        if (p.pid < 0) {
            return;
        }
        int action = rnd.nextInt(10);
        TopicPartition[] tps = partitions(rnd);
        if (action < 5) {
            if (p.v2) {
                h.addFromBroker(5, false, p.id, p.pid, p.epoch, tps);
            } else if (rnd.nextInt(4) == 0) {
                h.addOffsets(p.id, p.pid, p.epoch, "group-" + rnd.nextInt(3));
            } else {
                h.add(p.id, p.pid, p.epoch, tps);
            }
        } else if (action < 6) {
            h.addFromBroker(5, true, p.id, p.pid, p.epoch, tps);
        } else {
            boolean commit = rnd.nextInt(3) != 0;
            if (p.v2) {
                EndTxnResponse r = h.end(5, p.id, p.pid, p.epoch, commit);
                if (r.errorCode() == 0) {
                    p.pid = r.producerId();
                    p.epoch = r.producerEpoch();
                }
            } else {
                h.end(p.id, p.pid, p.epoch, commit);
            }
        }
    }

    private static TopicPartition[] partitions(Random rnd) {
        Set<TopicPartition> out = new TreeSet<>();
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            out.add(tp(rnd.nextBoolean() ? "t" : "u", rnd.nextInt(3)));
        }
        return out.toArray(new TopicPartition[0]);
    }

    private static void markerStep(TxnHarness h, Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0 -> h.markers.hold = !h.markers.hold;
            case 1 -> h.markers.fail(tp(rnd.nextBoolean() ? "t" : "u", rnd.nextInt(3)),
                    rnd.nextBoolean() ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.REQUEST_TIMED_OUT,
                    1 + rnd.nextInt(2));
            default -> h.markers.answer();
        }
    }

    private static void assertReplaysAlike(TxnHarness h, String when) {
        TxnHarness fresh = h.fresh();
        try {
            assertEquals(h.describeState(0), fresh.describeState(0), when);
        } finally {
            fresh.coordinator.close();
        }
    }

    /** A {@code __transaction_state} record as the checker reads it: where it is and what it says. */
    private record Written(int index, String id, TxnState state, long pid, short epoch, Set<TopicPartition> parts) {
    }

    /**
     * Never half: every marker sent carries the producer, epoch and outcome of its transaction's PrepareCommit or
     * PrepareAbort, the latest record of that transaction when it was sent, and goes to one of its partitions. Never
     * early: a transaction's CompleteCommit/CompleteAbort comes after every partition of its Prepare record answered
     * its marker.
     */
    private static void assertMarkersMatchTheirTransactions(TxnHarness h) {
        TransactionRecordSerde serde = new TransactionRecordSerde();
        List<Written> log = new ArrayList<>();
        List<InMemoryPartitions.Entry> entries = h.partitions.entries(0);
        for (int i = 0; i < entries.size(); i++) {
            TypedRecord r = serde.deserialize(entries.get(i).record().key(), entries.get(i).record().value());
            String id = ((TransactionLogKey) r.key()).transactionalId();
            TransactionLogValue v = (TransactionLogValue) r.value();
            if (v == null) {
                log.add(new Written(i, id, null, -1, (short) -1, Set.of()));
                continue;
            }
            Set<TopicPartition> parts = new TreeSet<>();
            if (v.transactionPartitions() != null) {
                v.transactionPartitions().forEach(t -> t.partitionIds().forEach(p -> parts.add(tp(t.topic(), p))));
            }
            log.add(new Written(i, id, TxnState.fromId(v.transactionStatus()), v.producerId(), v.producerEpoch(),
                    parts));
        }
        Map<Long, String> idOf = new HashMap<>();
        log.forEach(w -> idOf.putIfAbsent(w.pid(), w.id()));
        int checkedMarkers = 0;
        for (FakeMarkerWriter.Sent s : h.markers.sent) {
            String id = idOf.get(s.markers().producerId());
            assertNotNull(id, "a marker for an unknown producer " + s.markers().producerId());
            Written prepare = latest(log, id, s.sentAt);
            assertNotNull(prepare);
            assertTrue(prepare.state() == (s.markers().commit() ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT),
                    "a " + (s.markers().commit() ? "commit" : "abort") + " marker while " + id + " is "
                            + prepare.state());
            assertEquals(prepare.pid(), s.markers().producerId());
            assertEquals(prepare.epoch(), s.markers().producerEpoch());
            assertTrue(prepare.parts().contains(s.partition()), s.partition() + " is not in " + prepare);
            checkedMarkers++;
        }
        int checkedCompletions = 0;
        for (Written w : log) {
            if (w.state() != TxnState.COMPLETE_COMMIT && w.state() != TxnState.COMPLETE_ABORT) {
                continue;
            }
            Written prepare = latest(log, w.id(), w.index());
            assertTrue(prepare.state().isPreparing(), w + " follows " + prepare);
            for (TopicPartition tp : prepare.parts()) {
                boolean written = false;
                for (FakeMarkerWriter.Sent s : h.markers.sent) {
                    written |= s.partition().equals(tp) && s.markers().producerId() == prepare.pid()
                            && s.markers().producerEpoch() == prepare.epoch() && s.sentAt > prepare.index()
                            && s.answer == ErrorCode.NONE && s.answeredAt >= 0 && s.answeredAt <= w.index();
                }
                assertTrue(written, w + " completed before the marker of " + tp + " was written");
            }
            checkedCompletions++;
        }
        assertTrue(checkedMarkers > 0 && checkedCompletions > 0, "the run ended transactions");
    }

    /** The latest record of {@code id} before log index {@code before}. */
    private static Written latest(List<Written> log, String id, int before) {
        Written out = null;
        for (Written w : log) {
            if (w.index() < before && w.id().equals(id)) {
                out = w;
            }
        }
        return out;
    }
}
