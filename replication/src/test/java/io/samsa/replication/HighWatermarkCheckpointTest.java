package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The high watermark checkpoint ({@code replication-offset-checkpoint}, as Kafka's): written with the log's other
 * checkpoints every checkpoint interval and at a clean close, read at start-up, so that a restarted replica's high
 * watermark starts where it was (within what the log recovered) rather than at its log start. On one simulated
 * broker (node 1 of replicas 1, 2, 3) whose disk crashes as a power loss does.
 */
class HighWatermarkCheckpointTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long CHECKPOINT_MS = 5_000;
    private static final Path DATA = Path.of("/data");
    private static final UUID ID = new UUID(3, 4);
    private static final AlterPartitionChannel NEVER_ANSWERS = change -> new CompletableFuture<>();

    private SimScheduler scheduler = new SimScheduler(Simulation.random(1), T0);
    private SimDisk disk = new SimDisk(scheduler.random(), scheduler.clock());
    private int lives;

    private static HostingChange image(int leader, int epoch, List<Integer> isr, int minIsr) {
        return new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", ID, 1, LogConfig.DEFAULTS,
                minIsr, List.of(new PartitionAssignment(0, leader, epoch, 0, isr, List.of(1, 2, 3))))), true);
    }

    private SimBroker start(HostingChange image) throws Exception {
        SimBroker b = new SimBroker(scheduler, 1, lives++, 1);
        b.open(disk, scheduler.clock(), DATA, t -> LogConfig.DEFAULTS, scheduler.random(), 20, CHECKPOINT_MS,
                3_600_000, NEVER_ANSWERS, 30_000);
        CompletableFuture<Void> hosted = b.replicas.apply(image);
        scheduler.runUntil(hosted::isDone);
        return b;
    }

    /** Node 1 follows node 2: appends {@code count} records, then learns the leader's high watermark. */
    private void follow(SimBroker b, Partition p, int count, long leaderHw) {
        b.shards.get(0).execute(() -> {
            ByteBuf plain = PartitionTest.batch(count, -1, -1, false);
            ByteBuf fetched = SimBatches.rewritten(plain, p.logEndOffset(), 3);
            plain.release();
            try {
                p.appendAsFollower(fetched);
            } finally {
                fetched.release();
            }
            p.updateFromLeader(leaderHw, 0);
        });
        scheduler.runFor(10);
    }

    /** The checkpoint file's one entry (Kafka's layout: version, count, then the entry), or -1 without one. */
    private long checkpointed() {
        try {
            String[] lines = new String(disk.readAllBytes(DATA.resolve("orders-0")
                    .resolve(Log.HIGH_WATERMARK_CHECKPOINT)), StandardCharsets.US_ASCII).split("\n");
            assertEquals("0", lines[0]);
            assertEquals("1", lines[1]);
            return Long.parseLong(lines[2]);
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void aRestartedFollowerStartsAtItsCheckpointedHighWatermarkNotAtItsLogStart() throws Exception {
        SimBroker first = start(image(2, 3, List.of(1, 2, 3), 2));
        Partition p = first.replicas.partition("orders", 0);
        follow(first, p, 6, 4);
        assertEquals(4, p.highWatermark());
        scheduler.runFor(CHECKPOINT_MS + 100);
        assertEquals(0, checkpointed(), "never above what is forced (nothing yet)");
        p.log().flush();
        scheduler.runFor(CHECKPOINT_MS + 100);
        assertEquals(4, checkpointed(), "written with the log's periodic checkpoints");
        follow(first, p, 2, 8);
        assertEquals(8, p.highWatermark());
        first.kill();

        // A process crash (the page cache survives): the checkpoint says 4, the log holds 8 records.
        SimBroker second = start(image(2, 4, List.of(2, 3), 2));
        Partition q = second.replicas.partition("orders", 0);
        assertEquals(8, q.logEndOffset());
        assertEquals(4, q.highWatermark(), "the checkpoint, not the log start (0) nor the log end (8)");

        // A clean close checkpoints the latest high watermark.
        follow(second, q, 1, 9);
        scheduler.runFor(10);
        second.closeCleanly();
        assertEquals(9, checkpointed());
        SimBroker third = start(image(2, 4, List.of(2, 3), 2));
        assertEquals(9, third.replicas.partition("orders", 0).highWatermark());
        third.kill();
    }

    @Test
    void theCheckpointNeverPassesTheForcedDataSoAPowerLossKeepsWhatIsBelowIt() throws Exception {
        int cut = 0;
        for (int seed = 1; seed <= 30; seed++) {
            scheduler = new SimScheduler(Simulation.random(seed), T0);
            disk = new SimDisk(scheduler.random(), scheduler.clock());
            SimBroker first = start(image(2, 3, List.of(1, 2, 3), 2));
            Partition p = first.replicas.partition("orders", 0);
            follow(first, p, 3, 3);
            p.log().flush();
            scheduler.runFor(100);
            assertEquals(3, p.log().recoveryPoint());
            follow(first, p, 5, 8);
            scheduler.runFor(CHECKPOINT_MS + 100);
            assertEquals(3, checkpointed(), "the high watermark is 8, the recovery point 3");
            // The default flushing: records 3 to 7 sit in the page cache; a power loss keeps any prefix of them.
            disk.crash();
            first.kill();
            disk.restart();
            SimBroker second = start(image(2, 4, List.of(2, 3), 2));
            Partition q = second.replicas.partition("orders", 0);
            assertTrue(q.logEndOffset() >= 3, "seed " + seed + ": forced records survive");
            assertEquals(3, q.highWatermark(), "seed " + seed);
            if (q.logEndOffset() < 8) {
                cut++;
            }
            second.kill();
        }
        assertTrue(cut > 0, "some power loss kept fewer than the 8 records");
    }

    @Test
    void anEligibleReplicaElectedAloneServesItsCheckpointedHighWatermarkButNoFurther() throws Exception {
        SimBroker first = start(image(2, 3, List.of(1, 2, 3), 2));
        Partition p = first.replicas.partition("orders", 0);
        follow(first, p, 5, 5);
        follow(first, p, 2, 5);
        first.closeCleanly();

        // KIP-966: elected from the ELR with an ISR of itself, below min.insync.replicas=2. The checkpoint gives
        // consumers what was committed; the strict min ISR rule keeps the uncommitted tail (5, 6) and every acks=1
        // append invisible until a second replica is in the ISR again.
        SimBroker second = start(image(1, 4, List.of(1), 2));
        Partition q = second.replicas.partition("orders", 0);
        scheduler.runFor(10);
        assertEquals(5, q.highWatermark());
        second.shards.get(0).execute(() -> q.appendAsLeader(PartitionTest.batch(3, -1, -1, false), 1));
        scheduler.runFor(10);
        assertEquals(10, q.logEndOffset());
        assertEquals(5, q.highWatermark());
        PartitionRead read = q.read(0, 1 << 20, false, true);
        assertEquals(List.of("0:v0", "1:v1", "2:v2", "3:v3", "4:v4"), PartitionTest.values(read));
        second.kill();
    }
}
