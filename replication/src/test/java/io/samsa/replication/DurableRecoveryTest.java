package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Durable mode ({@code flush.messages=1}) after the process alone died: recovery keeps the appended tail it finds,
 * which may sit in the page cache only, above the recovery point. No partition may expose it (high watermark,
 * consumers, acks=all) before it is forced, or a later power loss takes back what was read; and the high watermark
 * must not start below what an earlier life had exposed. Found by {@link ReplicationSimulationTest}.
 */
class DurableRecoveryTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final UUID ID = new UUID(1, 2);
    private static final LogConfig DURABLE = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1"));
    private static final HostingChange IMAGE = new HostingChange(List.of(), List.of(new HostingChange.Topic("orders",
            ID, 1, DURABLE, 1, List.of(new PartitionAssignment(0, 1, 3, 0, List.of(1), List.of(1))))), true);

    private final SimScheduler scheduler = new SimScheduler(Simulation.random(1), T0);
    private final SimDisk disk = new SimDisk(scheduler.random(), scheduler.clock());
    private int lives;

    private SimBroker start() throws Exception {
        SimBroker b = new SimBroker(scheduler, 1, lives++, 1);
        b.open(disk, scheduler.clock(), DATA, t -> DURABLE, scheduler.random(), 50, 60_000, 60_000);
        return b;
    }

    /** A first life that appends 3 batches of 2 records and dies before any of them is forced. */
    private void appendAndDieBeforeTheFsync() throws Exception {
        SimBroker first = start();
        CompletableFuture<Void> hosted = first.replicas.apply(IMAGE);
        scheduler.runUntil(hosted::isDone);
        Partition p = first.replicas.partition("orders", 0);
        first.flusher.kill();
        for (int i = 0; i < 3; i++) {
            first.shards.get(0).execute(() -> p.appendAsLeader(PartitionTest.batch(2, -1, -1, false), 1));
        }
        scheduler.runUntil(() -> p.logEndOffset() == 6);
        assertEquals(0, p.highWatermark(), "nothing was forced");
        first.kill();
    }

    @Test
    void hostingForcesARecoveredTailBeforeThePartitionExists() throws Exception {
        appendAndDieBeforeTheFsync();
        SimBroker second = start();
        Log recovered = second.logs.get("orders", 0);
        assertEquals(6, recovered.logEndOffset(), "the page cache kept the appends");
        assertEquals(0, recovered.recoveryPoint());

        CompletableFuture<Void> hosted = second.replicas.apply(IMAGE);
        scheduler.addInvariant(() -> {
            Partition p = second.replicas.partition("orders", 0);
            if (p != null && p.highWatermark() > p.log().recoveryPoint()) {
                throw new AssertionError("high watermark " + p.highWatermark() + " above the durable end "
                        + p.log().recoveryPoint());
            }
        });
        scheduler.runUntil(hosted::isDone);
        Partition p = second.replicas.partition("orders", 0);
        assertEquals(6, p.log().recoveryPoint(), "forced before the partition was created");
        assertEquals(6, p.highWatermark(), "and served from the start, not below an earlier life's");

        disk.crash();
        disk.restart();
        SimBroker third = start();
        assertEquals(6, third.logs.get("orders", 0).logEndOffset(), "a power loss now takes nothing back");
    }

    @Test
    void aPartitionOnADurableLogStartsAtItsDurableEndAndFollowsTheForce() throws Exception {
        appendAndDieBeforeTheFsync();
        SimBroker second = start();
        Log recovered = second.logs.get("orders", 0);
        Partition p = new Partition("orders", 0, ID, recovered, 1, new PartitionState(1, 3, List.of(1), List.of(1)),
                1, second.shards.get(0));
        assertEquals(0, p.highWatermark(), "what only the page cache may hold is not exposed");
        scheduler.runUntil(() -> p.highWatermark() == 6);
        assertEquals(6, recovered.recoveryPoint());
    }
}
