package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
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
 * Where a replicated partition's high watermark starts and how a new leader's moves, on one simulated broker
 * (node 1 of replicas 1, 2, 3). Found by {@link ClusterReplicationSimulationTest}: a restarted replica exposed a
 * deposed leader's tail below its high watermark, and a durable-mode follower that became leader kept its high
 * watermark below the tail it had fetched until the next append.
 */
class ReplicaHighWatermarkTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final UUID ID = new UUID(3, 4);
    private static final AlterPartitionChannel NEVER_ANSWERS = change -> new CompletableFuture<>();

    private final SimScheduler scheduler = new SimScheduler(Simulation.random(1), T0);
    private final SimDisk disk = new SimDisk(scheduler.random(), scheduler.clock());
    private int lives;

    private static HostingChange image(LogConfig config, int leader, int epoch, int partitionEpoch,
                                       List<Integer> isr) {
        return new HostingChange(List.of(), List.of(new HostingChange.Topic("orders", ID, 1, config, 1, List.of(
                new PartitionAssignment(0, leader, epoch, partitionEpoch, isr, List.of(1, 2, 3))))), true);
    }

    private SimBroker start(LogConfig config, HostingChange image) throws Exception {
        SimBroker b = new SimBroker(scheduler, 1, lives++, 1);
        b.open(disk, scheduler.clock(), DATA, t -> config, scheduler.random(), 20, 60_000, 3_600_000,
                NEVER_ANSWERS, 30_000);
        CompletableFuture<Void> hosted = b.replicas.apply(image);
        scheduler.runUntil(hosted::isDone);
        return b;
    }

    /** Appends {@code count} records at the follower's log end as the leader wrote them in {@code epoch}. */
    private static void appendAsFollower(SimBroker b, Partition p, int count, int epoch) {
        b.shards.get(0).execute(() -> {
            ByteBuf plain = PartitionTest.batch(count, -1, -1, false);
            ByteBuf fetched = SimBatches.rewritten(plain, p.logEndOffset(), epoch);
            plain.release();
            try {
                p.appendAsFollower(fetched);
            } finally {
                fetched.release();
            }
        });
    }

    @Test
    void aRestartedReplicaStartsItsHighWatermarkAtItsLogStartNotAtATailNobodyCommitted() throws Exception {
        // Node 1 led in epoch 3 and appended 5 records no follower fetched (acks=1), then its process died.
        SimBroker first = start(LogConfig.DEFAULTS, image(LogConfig.DEFAULTS, 1, 3, 0, List.of(1, 2, 3)));
        Partition p = first.replicas.partition("orders", 0);
        first.shards.get(0).execute(() -> p.appendAsLeader(PartitionTest.batch(5, -1, -1, false), 1));
        scheduler.runFor(100);
        assertEquals(5, p.logEndOffset());
        assertEquals(0, p.highWatermark(), "no follower fetched it");
        first.kill();

        // Meanwhile node 2 leads in epoch 4; node 1 comes back as its follower with the tail still on disk.
        SimBroker second = start(LogConfig.DEFAULTS, image(LogConfig.DEFAULTS, 2, 4, 2, List.of(2, 3)));
        Partition q = second.replicas.partition("orders", 0);
        assertEquals(5, q.logEndOffset(), "the page cache kept the tail");
        assertEquals(0, q.highWatermark(), "the uncommitted tail is not below the high watermark");

        // A leader alone in its ISR owns its high watermark at once.
        second.kill();
        SimBroker third = start(LogConfig.DEFAULTS, image(LogConfig.DEFAULTS, 1, 5, 3, List.of(1)));
        scheduler.runFor(10);
        assertEquals(5, third.replicas.partition("orders", 0).highWatermark());
    }

    @Test
    void aDurableFollowerThatBecomesLeaderCommitsTheTailItFetchedWithoutANewAppend() throws Exception {
        LogConfig durable = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1"));
        SimBroker b = start(durable, image(durable, 2, 3, 0, List.of(1, 2, 3)));
        Partition p = b.replicas.partition("orders", 0);
        appendAsFollower(b, p, 2, 3);
        appendAsFollower(b, p, 3, 3);
        scheduler.runFor(100);
        assertEquals(5, p.logEndOffset());
        assertEquals(5, p.log().recoveryPoint(), "forced by the flusher");

        // Node 2 died; node 1 leads in epoch 4 with node 3, which holds the same 5 records and fetches at 5.
        CompletableFuture<Void> led = b.replicas.apply(new HostingChange(List.of(), List.of(new HostingChange.Topic(
                "orders", ID, 1, durable, 1, List.of(new PartitionAssignment(0, 1, 4, 1, List.of(1, 3),
                        List.of(1, 2, 3))))), false));
        scheduler.runUntil(led::isDone);
        p.recordFollowerFetch(3, -1, 5);
        scheduler.runFor(100);
        assertEquals(5, p.highWatermark(), "every ISR member holds offsets 0 to 4 durably");
        b.kill();
    }
}
