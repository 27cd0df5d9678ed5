package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.SerialExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ShardProxy}: each part runs on its partition's shard, the gather runs once on the home executor after the
 * last part, sees the parts in submission order whatever order the shards ran them in, and costs no hand-off when
 * caller and shard are the same thread. Three hand-driven executors stand for two shards and a connection loop.
 */
class ShardProxyTest {
    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final QueueExecutor shardA = new QueueExecutor("shard-a");
    private final QueueExecutor shardB = new QueueExecutor("shard-b");
    private final QueueExecutor home = new QueueExecutor("home");
    private final ShardProxy shards = new ShardProxy(List.of(shardA, shardB));
    private final List<String> ran = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        partitions = new TestPartitions(dir);
    }

    @AfterEach
    void close() throws IOException {
        partitions.close();
    }

    /** Records where and in which order it ran. */
    private final class Probe extends ShardProxy.Part {
        final String label;
        final RuntimeException failure;
        SerialExecutor ranOn;

        Probe(Partition p, String label, RuntimeException failure) {
            super(p);
            this.label = label;
            this.failure = failure;
        }

        @Override
        protected void runOnShard() {
            ranOn = shardA.inExecutor() ? shardA : shardB.inExecutor() ? shardB : null;
            ran.add(label);
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Collects the parts' labels in the order the gather sees them. */
    private final class Collect extends ShardProxy.Gather {
        final List<Probe> parts;
        final List<String> seen = new ArrayList<>();
        int runs;
        boolean onHome;

        Collect(SerialExecutor home, List<Probe> parts) {
            super(home);
            this.parts = parts;
        }

        @Override
        protected void gathered() {
            runs++;
            onHome = ShardProxyTest.this.home.inExecutor();
            for (Probe p : parts) {
                seen.add(p.label + (p.error() == null ? "" : "!"));
            }
        }
    }

    @Test
    void theGatherSeesThePartsInSubmissionOrderOnceTheLastOneRan() {
        List<Probe> parts = List.of(
                new Probe(partitions.create("t", 0, shardB), "t-0", null),
                new Probe(partitions.create("t", 1, shardA), "t-1", null),
                new Probe(partitions.create("t", 2, shardB), "t-2", null));
        Collect gather = new Collect(home, parts);
        home.execute(() -> shards.scatter(gather, parts));
        home.runPending();
        assertEquals(List.of(), ran, "nothing runs on the caller's thread");
        assertEquals(2, shardB.queued());
        assertEquals(1, shardA.queued());

        shardB.runPending();
        assertEquals(List.of("t-0", "t-2"), ran, "a shard runs its parts in submission order");
        assertEquals(0, home.queued(), "the gather waits for t-1");
        shardA.runPending();
        assertEquals(List.of("t-0", "t-2", "t-1"), ran);
        assertSame(shardB, parts.get(0).ranOn);
        assertSame(shardA, parts.get(1).ranOn);
        assertEquals(0, gather.runs, "the gather hops back to the home executor");
        assertEquals(1, home.queued());

        home.runPending();
        assertEquals(1, gather.runs);
        assertTrue(gather.onHome);
        assertEquals(List.of("t-0", "t-1", "t-2"), gather.seen, "submission order, not completion order");
    }

    @Test
    void aFailingPartRecordsItsErrorAndStillCounts() {
        IllegalStateException boom = new IllegalStateException("boom");
        List<Probe> parts = List.of(
                new Probe(partitions.create("t", 0, shardA), "t-0", null),
                new Probe(partitions.create("t", 1, shardA), "t-1", boom),
                new Probe(partitions.create("t", 2, shardB), "t-2", null));
        Collect gather = new Collect(home, parts);
        home.execute(() -> shards.scatter(gather, parts));
        QueueExecutor.runAll(home, shardA, shardB);
        assertEquals(1, gather.runs);
        assertEquals(List.of("t-0", "t-1!", "t-2"), gather.seen);
        assertSame(boom, parts.get(1).error());
        assertNull(parts.get(0).error());
        assertEquals(List.of("t-0", "t-1", "t-2"), ran, "the failure did not stop the part after it");
    }

    @Test
    void workOnTheCallersOwnShardCostsNoHandOff() {
        List<Probe> parts = List.of(new Probe(partitions.create("t", 0, shardA), "t-0", null),
                new Probe(partitions.create("t", 1, shardA), "t-1", null));
        Collect gather = new Collect(shardA, parts);
        shardA.execute(() -> shards.scatter(gather, parts));
        int before = shardA.handOffs();
        assertEquals(1, shardA.runPending(), "one task: the scatter, its parts and its gather ran inline");
        assertEquals(before, shardA.handOffs());
        assertEquals(1, gather.runs);
        assertEquals(List.of("t-0", "t-1"), gather.seen);
    }

    @Test
    void aRemoteShardCostsOneHandOffThereAndOneBack() {
        List<Probe> parts = List.of(new Probe(partitions.create("t", 0, shardB), "t-0", null),
                new Probe(partitions.create("t", 1, shardB), "t-1", null));
        Collect gather = new Collect(home, parts);
        home.execute(() -> shards.scatter(gather, parts));
        int homeBefore = home.handOffs();
        QueueExecutor.runAll(home, shardA, shardB);
        assertEquals(2, shardB.handOffs(), "one task per part on the shard's queue");
        assertEquals(0, shardA.handOffs());
        assertEquals(1, home.handOffs() - homeBefore, "one hop back for the gather");
        assertEquals(1, gather.runs);
    }

    @Test
    void noPartsGathersAtOnce() {
        Collect gather = new Collect(home, List.of());
        home.execute(() -> shards.scatter(gather, List.of()));
        assertEquals(1, home.runPending());
        assertEquals(1, gather.runs);
    }

    @Test
    void aStoppedShardFailsItsPart() {
        SerialExecutor stopped = new SerialExecutor() {
            @Override
            public boolean inExecutor() {
                return false;
            }

            @Override
            public void execute(Runnable command) {
                throw new RejectedExecutionException("stopped");
            }

            @Override
            public Cancellable schedule(Runnable task, long delayMs) {
                throw new RejectedExecutionException("stopped");
            }
        };
        List<Probe> parts = List.of(new Probe(partitions.create("t", 0, stopped), "t-0", null),
                new Probe(partitions.create("t", 1, shardA), "t-1", null));
        Collect gather = new Collect(home, parts);
        home.execute(() -> shards.scatter(gather, parts));
        QueueExecutor.runAll(home, shardA);
        assertEquals(List.of("t-0!", "t-1"), gather.seen);
        assertInstanceOf(RejectedExecutionException.class, parts.get(0).error());
        assertFalse(ran.contains("t-0"));
    }

    @Test
    void aPartitionsShardIsAFixedHashOfTopicAndIndex() {
        for (int i = 0; i < 16; i++) {
            SerialExecutor expected = Math.floorMod(31 * "orders".hashCode() + i, 2) == 0 ? shardA : shardB;
            assertSame(expected, shards.shardOf("orders", i));
            assertSame(expected, shards.shardOf("orders", i), "the same shard every time");
        }
        Partition p = partitions.create("x", 0, shardB);
        assertSame(shardB, shards.shardOf(p));
    }
}
