package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.common.ManualClock;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReplicaManager} hosting on hand-driven executors (two shards and the hosting executor): logs are created
 * and deleted on the hosting executor, partition state changes run on the shards, a change's future completes only
 * once every shard applied it, a failed change is reported in its future and can be applied again, orphan logs go
 * after the first whole-image change, and retention runs on the shards.
 */
class ReplicaManagerTest {
    private static final int NODE = 1;
    private static final UUID ORDERS = UUID.nameUUIDFromBytes("orders".getBytes());
    private static final long RETENTION_CHECK_MS = 1000;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_000);
    private final QueueExecutor shardA = new QueueExecutor("shard-a");
    private final QueueExecutor shardB = new QueueExecutor("shard-b");
    private final QueueExecutor hosting = new QueueExecutor("hosting");
    private final ShardProxy shards = new ShardProxy(List.of(shardA, shardB));
    private LogManager logs;
    private ReplicaManager rm;

    @BeforeEach
    void open() throws IOException {
        logs = LogManager.builder(dir).clock(clock).build();
        rm = new ReplicaManager(NODE, logs, shards, hosting, RETENTION_CHECK_MS);
    }

    @AfterEach
    void close() throws IOException {
        rm.close();
        logs.close();
    }

    private void runAll() {
        QueueExecutor.runAll(hosting, shardA, shardB);
    }

    private static PartitionAssignment led(int partition, int leader, int epoch, List<Integer> replicas) {
        return new PartitionAssignment(partition, leader, epoch, 0, replicas, replicas);
    }

    private static HostingChange.Topic orders(LogConfig cfg, int minIsr, PartitionAssignment... changed) {
        return new HostingChange.Topic("orders", ORDERS, 4, cfg, minIsr, List.of(changed));
    }

    private static HostingChange change(HostingChange.Topic... topics) {
        return new HostingChange(List.of(), List.of(topics), false);
    }

    private void hostOrders() {
        CompletableFuture<Void> f = rm.apply(change(orders(LogConfig.DEFAULTS, 1, led(0, NODE, 0, List.of(NODE)),
                led(1, NODE, 0, List.of(NODE)), led(2, NODE, 0, List.of(NODE)), led(3, 2, 0, List.of(2)))));
        runAll();
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
    }

    @Test
    void newPartitionsGetLogsOnTheHostingExecutorAndTheirFixedShard() {
        CompletableFuture<Void> f = rm.apply(change(orders(LogConfig.DEFAULTS, 1, led(0, NODE, 0, List.of(NODE)),
                led(1, NODE, 0, List.of(NODE)), led(2, NODE, 0, List.of(NODE)), led(3, 2, 0, List.of(2)))));
        assertFalse(f.isDone(), "nothing ran on the caller's thread");
        assertNull(rm.partition("orders", 0));
        assertNull(logs.get("orders", 0), "no log was created on the caller's thread");
        runAll();
        assertTrue(f.isDone());
        assertFalse(f.isCompletedExceptionally());
        for (int i = 0; i < 3; i++) {
            Partition p = rm.partition("orders", i);
            assertNotNull(p, "partition " + i);
            assertTrue(p.isLeader());
            assertTrue(Files.isDirectory(p.log().dir()));
            assertSame(shards.shardOf("orders", i), shards.shardOf(p));
        }
        assertNull(rm.partition("orders", 3), "led and replicated elsewhere: not hosted");
        assertNull(logs.get("orders", 3));
        assertEquals("orders", rm.topicName(ORDERS));
        assertEquals(3, rm.partitions().size());
    }

    @Test
    void leadershipMinIsrAndConfigChangesRunOnTheShardsBeforeTheFutureCompletes() {
        hostOrders();
        Partition p0 = rm.partition("orders", 0);
        Partition p1 = rm.partition("orders", 1);
        LogConfig cfg = LogConfig.fromMap(Map.of(LogConfig.RETENTION_MS, "12345678"));
        CompletableFuture<Void> f = rm.apply(change(orders(cfg, 2, led(0, 2, 1, List.of(NODE, 2)))));
        hosting.runPending();
        assertFalse(f.isDone(), "waiting for the shards");
        assertTrue(p0.isLeader(), "the hosting executor does not touch partition state");
        assertEquals(LogConfig.DEFAULTS.retentionMs(), p0.log().config().retentionMs());
        QueueExecutor.runAll(shardA, shardB);
        assertFalse(p0.isLeader());
        assertEquals(1, p0.leaderEpoch());
        assertEquals(List.of(NODE, 2), p0.state().replicas());
        assertEquals(2, p1.minInsyncReplicas(), "the topic's min.insync.replicas reaches every partition");
        assertEquals(12345678, p0.log().config().retentionMs());
        assertEquals(12345678, p1.log().config().retentionMs());
        assertFalse(f.isDone(), "the gather hops back to the hosting executor");
        hosting.runPending();
        assertTrue(f.isDone());
        assertFalse(f.isCompletedExceptionally());
    }

    @Test
    void aDeletedTopicIsMarkedOnItsShardsBeforeItsLogsGo() {
        hostOrders();
        Partition p0 = rm.partition("orders", 0);
        Path dir0 = p0.log().dir();
        CompletableFuture<Void> f = rm.apply(new HostingChange(List.of(new HostingChange.Deleted("orders", ORDERS)),
                List.of(), false));
        hosting.runPending();
        assertNull(rm.partition("orders", 0), "no longer found by handlers");
        assertNull(rm.topicName(ORDERS));
        assertFalse(p0.isDeleted(), "marked on its shard");
        assertTrue(Files.isDirectory(dir0), "the writer must stop before the log goes");
        QueueExecutor.runAll(shardA, shardB);
        assertTrue(p0.isDeleted());
        assertTrue(Files.isDirectory(dir0));
        hosting.runPending();
        assertTrue(f.isDone());
        assertFalse(Files.exists(dir0));
        assertNull(logs.get("orders", 0));

        CompletableFuture<Void> again = rm.apply(change(orders(LogConfig.DEFAULTS, 1, led(0, NODE, 0,
                List.of(NODE)))));
        runAll();
        assertTrue(again.isDone());
        assertEquals(0, rm.partition("orders", 0).logEndOffset(), "a topic of the same name starts empty");
    }

    /** Appends {@code records} records to {@code l} directly (no partition hosts it). */
    private static void appendTo(Log l, int records) {
        ByteBuf b = PartitionTest.batch(records, -1, -1, false);
        try {
            l.appendAsLeader(b, 0);
        } finally {
            b.release();
        }
    }

    @Test
    void aDeletedTopicTakesTheLogsThisBrokerNoLongerHostsWithIt() {
        // Found by ReplicationSimulationTest: orders-3 is led and replicated elsewhere now, but this broker still
        // holds its log from when it was a replica; deleting the topic left it, and a new "orders" took it over.
        Log stale = logs.getOrCreate("orders", 3, LogConfig.DEFAULTS);
        appendTo(stale, 4);
        hostOrders();
        assertNull(rm.partition("orders", 3));
        CompletableFuture<Void> f = rm.apply(new HostingChange(List.of(new HostingChange.Deleted("orders", ORDERS)),
                List.of(), false));
        runAll();
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertNull(logs.get("orders", 3), "the log of a partition not hosted went with its topic");

        UUID again = UUID.nameUUIDFromBytes("orders again".getBytes());
        CompletableFuture<Void> g = rm.apply(change(new HostingChange.Topic("orders", again, 4, LogConfig.DEFAULTS, 1,
                List.of(led(3, NODE, 0, List.of(NODE))))));
        runAll();
        assertTrue(g.isDone() && !g.isCompletedExceptionally());
        assertEquals(0, rm.partition("orders", 3).logEndOffset(), "a topic of the same name starts empty");
    }

    @Test
    void aLogClaimedByADeletedTopicIsNotTakenByANewTopicOfTheSameName() throws IOException {
        // Found by ReplicationSimulationTest: the broker went down before it applied the deletion of "orders", and
        // the topic was created again meanwhile; the first image after the restart names the new one.
        UUID deleted = UUID.nameUUIDFromBytes("the old orders".getBytes());
        Log stray = logs.getOrCreate("orders", 0, LogConfig.DEFAULTS);
        stray.recordTopicId(deleted);
        appendTo(stray, 3);
        Log straySomewhereElse = logs.getOrCreate("orders", 3, LogConfig.DEFAULTS);
        straySomewhereElse.recordTopicId(deleted);
        Log own = logs.getOrCreate("orders", 1, LogConfig.DEFAULTS);
        own.recordTopicId(ORDERS);
        appendTo(own, 2);
        Log unclaimed = logs.getOrCreate("orders", 2, LogConfig.DEFAULTS);
        appendTo(unclaimed, 5);

        CompletableFuture<Void> f = rm.apply(new HostingChange(List.of(), List.of(orders(LogConfig.DEFAULTS, 1,
                led(0, NODE, 0, List.of(NODE)), led(1, NODE, 0, List.of(NODE)), led(2, NODE, 0, List.of(NODE)),
                led(3, 2, 0, List.of(2)))), true));
        runAll();
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        Partition p0 = rm.partition("orders", 0);
        assertEquals(0, p0.logEndOffset(), "the deleted topic's data is not the new topic's");
        assertEquals(ORDERS, p0.log().topicId());
        assertEquals(2, rm.partition("orders", 1).logEndOffset(), "its own log is kept");
        Partition p2 = rm.partition("orders", 2);
        assertEquals(5, p2.logEndOffset(), "a log from before topic ids were recorded is adopted");
        assertEquals(ORDERS, p2.log().topicId(), "and claimed");
        assertNull(logs.get("orders", 3), "a deleted topic's log of a partition not hosted goes too");
    }

    @Test
    void aFailedChangeIsReportedInItsFutureAndCanBeAppliedAgain() throws Exception {
        Path blocker = dir.resolve(LogManager.dirName("bad", 0));
        Files.writeString(blocker, "not a directory");
        HostingChange c = change(
                new HostingChange.Topic("bad", UUID.randomUUID(), 1, LogConfig.DEFAULTS, 1,
                        List.of(led(0, NODE, 0, List.of(NODE)))),
                orders(LogConfig.DEFAULTS, 1, led(0, NODE, 0, List.of(NODE))));
        CompletableFuture<Void> f = rm.apply(c);
        runAll();
        assertTrue(f.isCompletedExceptionally());
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(UncheckedIOException.class, e.getCause());
        assertNull(rm.partition("bad", 0));
        Partition orders0 = rm.partition("orders", 0);
        assertNotNull(orders0, "the rest of the change was applied");

        Files.delete(blocker);
        CompletableFuture<Void> retry = rm.apply(c);
        runAll();
        assertTrue(retry.isDone() && !retry.isCompletedExceptionally());
        assertNotNull(rm.partition("bad", 0));
        assertSame(orders0, rm.partition("orders", 0), "applying it again keeps what was hosted");
    }

    @Test
    void changesApplyOneAtATimeInOrder() {
        CompletableFuture<Void> first = rm.apply(change(orders(LogConfig.DEFAULTS, 1,
                led(0, NODE, 0, List.of(NODE)))));
        CompletableFuture<Void> second = rm.apply(change(orders(LogConfig.DEFAULTS, 1,
                led(0, NODE, 5, List.of(NODE)))));
        hosting.runPending();
        assertTrue(first.isDone(), "only the first ran: it needed no shard");
        assertFalse(second.isDone(), "the second waits for its shard");
        runAll();
        assertTrue(second.isDone());
        assertEquals(5, rm.partition("orders", 0).leaderEpoch());
    }

    @Test
    void theFirstWholeImageSetsOrphanLogsAside() throws IOException {
        appendTo(logs.getOrCreate("gone", 0, LogConfig.DEFAULTS), 3);
        logs.getOrCreate("orders", 7, LogConfig.DEFAULTS);
        CompletableFuture<Void> f = rm.apply(new HostingChange(List.of(), List.of(orders(LogConfig.DEFAULTS, 1,
                led(0, NODE, 0, List.of(NODE)), led(3, 2, 0, List.of(2)))), true));
        runAll();
        assertTrue(f.isDone());
        assertNull(logs.get("gone", 0), "its topic no longer exists");
        assertNull(logs.get("orders", 7), "its partition no longer exists");
        assertNotNull(logs.get("orders", 0));
        // Set aside, not deleted: the data stays for the operator.
        List<String> stray;
        try (var names = Files.list(dir)) {
            stray = names.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(LogManager.STRAY_SUFFIX))
                    .sorted().toList();
        }
        assertEquals(2, stray.size(), stray.toString());
        assertTrue(stray.get(0).startsWith("gone-0."), stray.toString());
        assertTrue(stray.get(1).startsWith("orders-7."), stray.toString());
        try (var files = Files.list(dir.resolve(stray.get(0)))) {
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".log") && p.toFile().length() > 0),
                    "the stray log keeps its records");
        }

        logs.getOrCreate("late", 0, LogConfig.DEFAULTS);
        rm.apply(new HostingChange(List.of(), List.of(), true));
        runAll();
        assertNotNull(logs.get("late", 0), "only the first whole image checks");
    }

    @Test
    void retentionRunsOnEachPartitionsShardAndRearms() {
        LogConfig shortRetention = LogConfig.fromMap(Map.of(LogConfig.RETENTION_MS, "100"));
        CompletableFuture<Void> f = rm.apply(change(orders(shortRetention, 1, led(0, NODE, 0, List.of(NODE)))));
        runAll();
        assertTrue(f.isDone());
        Partition p = rm.partition("orders", 0);
        List<ByteBuf> batches = new ArrayList<>();
        ByteBuf b = PartitionTest.batch(2, -1, -1, false);
        batches.add(b);
        shards.execute(p, () -> p.appendAsLeader(b, 1));
        runAll();
        assertEquals(2, p.highWatermark());
        rm.start();
        hosting.runPending();
        assertEquals(1, hosting.timers());
        clock.advance(10_000);
        hosting.advance(RETENTION_CHECK_MS);
        assertEquals(0, p.logStartOffset(), "the pass runs on the shard");
        runAll();
        assertEquals(2, p.logStartOffset(), "the expired records are gone");
        assertEquals(1, hosting.timers(), "the next pass is armed once this one is done");
        batches.forEach(ByteBuf::release);
    }

    @Test
    void closingFailsTheChangesNotAppliedAndRefusesLaterOnes() {
        CompletableFuture<Void> queued = rm.apply(change(orders(LogConfig.DEFAULTS, 1,
                led(0, NODE, 0, List.of(NODE)))));
        rm.close();
        assertTrue(queued.isCompletedExceptionally(), "no caller waits for a change that will not come");
        assertTrue(rm.apply(change()).isCompletedExceptionally());
        runAll();
        assertNull(rm.partition("orders", 0), "nothing is applied after the close");
    }
}
