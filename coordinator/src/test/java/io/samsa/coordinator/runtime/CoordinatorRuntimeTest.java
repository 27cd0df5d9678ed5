package io.samsa.coordinator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * records writes nothing and the partition comes back from the log.
 */
class CoordinatorRuntimeTest {

    /** A shard whose whole state is the offsets it replayed, in order. */
    private static final class ListShard implements CoordinatorShard {
        final List<Long> offsets = new ArrayList<>();

        @Override
        public void replay(TypedRecord record) {
            offsets.add(((OffsetCommitValue) record.value()).offset());
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
        CompletableFuture<List<Long>> seen = runtime.scheduleWrite(0, "op", (shard, ctx) -> {
            ctx.append(offset(1));
            ctx.append(offset(2));
            return List.copyOf(shard.offsets);
        });
        assertEquals(List.of(1L, 2L), seen.join(), "the op sees its records applied");
        assertEquals(1, partitions.appends, "one batch");
        assertEquals(2, partitions.records(0).size());
        runtime.scheduleLoad(0, 1);
        assertEquals(2, shards.size());
        assertEquals(List.of(1L, 2L), current().offsets, "a load replays the same records");
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
        assertEquals(List.of(1L), current().offsets, "memory is what the log says");
        assertTrue(runtime.isActive(0).join());
    }
}
