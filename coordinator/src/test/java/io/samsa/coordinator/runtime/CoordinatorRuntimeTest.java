package io.samsa.coordinator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.coordinator.InMemoryPartitions;
import io.samsa.coordinator.ManualScheduler;
import io.samsa.coordinator.record.GroupRecordSerde;
import io.samsa.coordinator.record.OffsetCommitKey;
import io.samsa.coordinator.record.OffsetCommitValue;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The runtime's write path on a shard that only remembers what it replayed: records are replayed as they are
 * appended and written as one batch; a load replays the same records; an event that fails after replaying
 * records writes nothing and the partition comes back from the log; transactional records and markers are
 * written and replayed as such; continuations run as events of the same load, and only after a commit when asked.
 */
class CoordinatorRuntimeTest {

    /** A shard whose whole state is what it replayed, in order: "1" plain, "T7:1" producer 7's, "C7"/"A7" markers. */
    private static final class ListShard implements CoordinatorShard {
        final List<String> replayed = new ArrayList<>();

        @Override
        public void replay(TypedRecord record) {
            replayed.add(String.valueOf(((OffsetCommitValue) record.value()).offset()));
        }

        @Override
        public void replayTransactional(long producerId, short producerEpoch, TypedRecord record) {
            replayed.add("T" + producerId + ":" + ((OffsetCommitValue) record.value()).offset());
        }

        @Override
        public void replayEndTransaction(long producerId, short producerEpoch, boolean commit) {
            replayed.add((commit ? "C" : "A") + producerId);
        }

        @Override
        public void onLoaded(WriteContext ctx) {
        }

        @Override
        public void onUnloaded() {
        }
    }

    private final ManualClock clock = new ManualClock(0);
    private final InMemoryPartitions partitions = new InMemoryPartitions();
    private final List<ListShard> shards = new ArrayList<>();
    private final CoordinatorRuntime<ListShard> runtime = new CoordinatorRuntime<>("test", clock,
            new ManualScheduler(clock), Runnable::run, partitions, partitions, new GroupRecordSerde(), p -> {
                ListShard s = new ListShard();
                shards.add(s);
                return s;
            });

    private static TypedRecord offset(long offset) {
        return new TypedRecord(new OffsetCommitKey().setGroup("g").setTopic("t").setPartition(0),
                new OffsetCommitValue().setOffset(offset).setMetadata(""), (short) 3);
    }

    private ListShard current() {
        return shards.get(shards.size() - 1);
    }

    @Test
    void appendedRecordsAreReplayedAtOnceWrittenTogetherAndLoadedAlike() {
        runtime.scheduleLoad(0, 0);
        CompletableFuture<List<String>> seen = runtime.scheduleWrite(0, "op", (shard, ctx) -> {
            ctx.append(offset(1));
            ctx.append(offset(2));
            return List.copyOf(shard.replayed);
        });
        assertEquals(List.of("1", "2"), seen.join(), "the op sees its records applied");
        assertEquals(1, partitions.appends, "one batch");
        assertEquals(2, partitions.records(0).size());
        runtime.scheduleLoad(0, 1);
        assertEquals(2, shards.size());
        assertEquals(List.of("1", "2"), current().replayed, "a load replays the same records");
    }

    @Test
    void anEventThatFailsAfterReplayingWritesNothingAndReloads() {
        runtime.scheduleLoad(0, 0);
        runtime.scheduleWrite(0, "ok", (shard, ctx) -> {
            ctx.append(offset(1));
            return null;
        }).join();
        CompletableFuture<Object> failed = runtime.scheduleWrite(0, "bad", (shard, ctx) -> {
            ctx.append(offset(2));
            throw new IllegalStateException("a bug after a replay");
        });
        CompletionException e = assertThrows(CompletionException.class, failed::join);
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, ((SamsaException) e.getCause()).errorCode());
        assertEquals(1, partitions.records(0).size(), "the failed event's record was not written");
        assertEquals(2, shards.size(), "the partition was reloaded");
        assertEquals(List.of("1"), current().replayed, "memory is what the log says");
        assertTrue(runtime.isActive(0).join());
    }

    @Test
    void transactionalRecordsAndMarkersAreWrittenAndReplayedAsSuch() {
        runtime.scheduleLoad(0, 4);
        runtime.scheduleWrite(0, "txn", (shard, ctx) -> {
            ctx.appendTransactional(7, (short) 2, offset(10));
            ctx.appendTransactional(7, (short) 2, offset(11));
            return null;
        }).join();
        runtime.scheduleWrite(0, "plain", (shard, ctx) -> {
            ctx.append(offset(12));
            return null;
        }).join();
        runtime.scheduleWrite(0, "marker", (shard, ctx) -> {
            ctx.appendEndTransaction(7, (short) 2, 9, true);
            return null;
        }).join();
        assertEquals(List.of("T7:10", "T7:11", "12", "C7"), current().replayed);
        assertEquals(3, partitions.appends, "three batches");
        List<InMemoryPartitions.Entry> log = partitions.entries(0);
        assertEquals(7, log.get(0).producerId(), "a transactional batch of producer 7");
        assertEquals(2, log.get(1).producerEpoch());
        assertEquals(-1, log.get(2).producerId(), "a plain batch");
        assertTrue(log.get(3).isMarker());
        assertEquals(9, log.get(3).coordinatorEpoch(), "the marker carries the transaction coordinator's epoch");
        runtime.scheduleLoad(0, 5);
        assertEquals(List.of("T7:10", "T7:11", "12", "C7"), current().replayed, "a load replays them alike");
    }

    @Test
    void oneEventWritesOneKindOfBatch() {
        runtime.scheduleLoad(0, 0);
        CompletableFuture<Object> mixed = runtime.scheduleWrite(0, "mixed", (shard, ctx) -> {
            ctx.append(offset(1));
            ctx.appendTransactional(7, (short) 0, offset(2));
            return null;
        });
        assertThrows(CompletionException.class, mixed::join);
        CompletableFuture<Object> twoProducers = runtime.scheduleWrite(0, "two", (shard, ctx) -> {
            ctx.appendTransactional(7, (short) 0, offset(1));
            ctx.appendTransactional(8, (short) 0, offset(2));
            return null;
        });
        assertThrows(CompletionException.class, twoProducers::join);
        assertEquals(0, partitions.appends, "nothing was written");
        assertEquals(List.of(), current().replayed);
    }

    @Test
    void aRefusedTransactionalBatchAnswersWithThePartitionsErrorAndReloads() {
        runtime.scheduleLoad(0, 0);
        partitions.failWith = ErrorCode.INVALID_PRODUCER_EPOCH;
        CompletableFuture<Object> zombie = runtime.scheduleWrite(0, "zombie", (shard, ctx) -> {
            ctx.appendTransactional(7, (short) 0, offset(1));
            return null;
        });
        partitions.failWith = null;
        CompletionException e = assertThrows(CompletionException.class, zombie::join);
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, ((SamsaException) e.getCause()).errorCode());
        assertEquals(List.of(), current().replayed, "memory is what the log says");
    }

    @Test
    void continuationsRunAsEventsOfTheSameLoadOnly() {
        runtime.scheduleLoad(0, 0);
        CompletableFuture<Long> external = new CompletableFuture<>();
        CompletableFuture<Long> stale = new CompletableFuture<>();
        runtime.scheduleWrite(0, "wait", (shard, ctx) -> {
            ctx.whenComplete(external, "external", (c, v, err) -> c.append(offset(v)));
            ctx.whenComplete(stale, "stale", (c, v, err) -> c.append(offset(v)));
            return null;
        }).join();
        external.complete(5L);
        assertEquals(List.of("5"), current().replayed, "the continuation wrote as an event");
        assertEquals(1, partitions.records(0).size());
        runtime.scheduleLoad(0, 1);
        stale.complete(6L);
        assertEquals(List.of("5"), current().replayed, "a continuation of an earlier load is dropped");
        assertEquals(1, partitions.records(0).size());
    }

    @Test
    void afterCommitRunsOnceTheBatchIsCommittedAndNeverAfterAFailedWrite() {
        runtime.scheduleLoad(0, 0);
        partitions.autoCommit = false;
        List<String> ran = new ArrayList<>();
        runtime.scheduleWrite(0, "prepare", (shard, ctx) -> {
            ctx.append(offset(1));
            ctx.afterCommit("then", c -> ran.add("then"));
            return null;
        });
        assertEquals(List.of(), ran, "not before the commit");
        partitions.commitAll();
        assertEquals(List.of("then"), ran);

        partitions.autoCommit = true;
        partitions.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
        runtime.scheduleWrite(0, "prepare", (shard, ctx) -> {
            ctx.append(offset(2));
            ctx.afterCommit("never", c -> ran.add("never"));
            return null;
        });
        partitions.failWith = null;
        assertFalse(ran.contains("never"));
        assertEquals(List.of("1"), current().replayed, "reloaded from the log");
    }
}
