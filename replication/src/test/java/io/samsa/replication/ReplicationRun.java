package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.log.Log;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One seed's run of {@link ReplicationSimulationTest}: the broker's lives on one {@link SimDisk}, the workload, the
 * invariants after every task and the checks after every restart. Not thread-safe: the test's thread drives it.
 */
final class ReplicationRun {
    private static final int MAX_STEPS = 250;
    /** {@code -Dsim.debug=true}: prints the run's events (with {@code -Dsim.seed=N}). */
    private static final boolean DEBUG = Boolean.getBoolean("sim.debug");
    private static final long MAX_PRODUCE_TIMEOUT_MS = 3000;
    private static final long MAX_FETCH_WAIT_MS = 2000;

    final ReplicationSimulationTest.Coverage coverage;
    final Random random;
    final SimScheduler scheduler;
    final SimDisk disk;
    final SimMetadata metadata;
    /** Every partition model by topic id, by index (kept after a topic is deleted: requests may still be in flight). */
    private final Map<UUID, List<PartitionModel>> models = new HashMap<>();
    private final long flusherPollMs;
    private final long checkpointIntervalMs;
    private final long retentionCheckMs;
    private final List<ReplicationSimulationTest.SimProduce> produces = new ArrayList<>();
    private final List<ReplicationSimulationTest.SimFetch> fetches = new ArrayList<>();
    private final List<CompletableFuture<Void>> changes = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private SimBroker broker;
    private int lives;
    private int steps;
    private long fingerprint = 17;

    ReplicationRun(long seed, ReplicationSimulationTest.Coverage coverage) {
        this.coverage = coverage;
        this.random = Simulation.random(seed);
        this.scheduler = new SimScheduler(random, ReplicationSimulationTest.T0);
        this.disk = new SimDisk(random, scheduler.clock()).strictNames(random.nextInt(4) == 0);
        this.metadata = new SimMetadata(random, ReplicationSimulationTest.NODE, ReplicationSimulationTest.OTHER,
                false);
        this.flusherPollMs = random.nextBoolean() ? 5 : 50;
        this.checkpointIntervalMs = random.nextBoolean() ? 20 : 2000;
        this.retentionCheckMs = random.nextBoolean() ? 100 : 1000;
        disk.onCrash(() -> {
            if (broker != null) {
                broker.kill();
            }
        });
        scheduler.addInvariant(this::invariants);
    }

    /** What the run did, for {@link ReplicationSimulationTest#aSeedReplaysExactly}. */
    String fingerprint() {
        return fingerprint + " after " + scheduler.steps() + " tasks, " + disk.operations() + " disk operations, "
                + disk.crashes() + " crashes, clock " + scheduler.nowMillis();
    }

    void trace(String event) {
        fingerprint = fingerprint * 31 + event.hashCode();
        if (DEBUG) {
            System.out.println("[" + (scheduler.nowMillis() - ReplicationSimulationTest.T0) + " life " + lives + "] "
                    + event);
        }
    }

    void run() throws Exception {
        int topics = 1 + random.nextInt(3);
        for (int i = 0; i < topics; i++) {
            metadataChanged(metadata.create());
        }
        while (true) {
            if (random.nextInt(3) == 0) {
                // The metadata moves on while the broker is down (committed, not yet applied by it).
                broker = null;
                for (int i = random.nextInt(4); i > 0; i--) {
                    metadataChanged(metadata.randomChange());
                }
            }
            trace("start");
            if (!startLife()) {
                continue;
            }
            if (steps >= MAX_STEPS) {
                broker.kill();
                return;
            }
            workload();
            if (disk.isCrashed()) {
                crashed("workload");
            }
        }
    }

    // ---------------------------------------------------------------- lives

    /** Starts the broker on the disk as it is; false when the disk crashed meanwhile (it has been restarted). */
    private boolean startLife() throws IOException {
        broker = new SimBroker(scheduler, ReplicationSimulationTest.NODE, lives++, 1 + random.nextInt(3));
        produces.clear();
        fetches.clear();
        changes.clear();
        if (random.nextInt(4) == 0) {
            disk.crashAtOperation(disk.operations() + 1 + random.nextInt(60));
        }
        try {
            broker.open(disk, scheduler.clock(), ReplicationSimulationTest.DATA, metadata::configOf, random,
                    flusherPollMs, checkpointIntervalMs, retentionCheckMs);
        } catch (SimulatedCrash c) {
            crashed("recovery");
            return false;
        }
        // As the broker's metadata publisher: the whole image is hosted before anything is served.
        CompletableFuture<Void> hosted = broker.replicas.apply(metadata.wholeImage());
        scheduler.runUntil(() -> hosted.isDone() || disk.isCrashed());
        if (disk.isCrashed()) {
            crashed("hosting");
            return false;
        }
        if (hosted.isCompletedExceptionally()) {
            hosted.join();
        }
        disk.crashAtOperation(-1);
        int r = random.nextInt(3);
        if (r > 0) {
            disk.crashAtOperation(disk.operations() + 1 + random.nextInt(r == 1 ? 300 : 3000));
        }
        return true;
    }

    /**
     * A partition first seen in this life: its log, as recovery left it, against its model. The invariants call it
     * right after the task that hosted the partition, before anything can append to it (a partition not hosted at
     * start-up may be hosted again later in the life).
     */
    private void verifyRecovered(Partition p, PartitionModel m) {
        try {
            m.verifyRecovered(p.log());
        } catch (IOException e) {
            throw new AssertionError(p.name() + ": cannot read the recovered log", e);
        }
        if (m.durable) {
            coverage.count("durable partitions recovered");
        }
        if (p.logStartOffset() > m.deleteTarget) {
            coverage.count("retention moved a log start");
        }
    }

    private void crashed(String phase) {
        coverage.count("crash: " + phase);
        trace("crash " + phase + " " + disk.lastCrash());
        disk.restart();
    }

    /** Runs steps until the disk crashes, the process dies or the broker closes cleanly. */
    private void workload() throws IOException {
        while (!disk.isCrashed()) {
            steps++;
            if (steps >= MAX_STEPS) {
                disk.crash();
                return;
            }
            int r = random.nextInt(1000);
            if (r < 330) {
                produce();
            } else if (r < 580) {
                fetch();
            } else if (r < 640) {
                deleteRecords();
            } else if (r < 720) {
                metadataChanged(metadata.randomChange());
            } else if (r < 800) {
                scheduler.runFor(random.nextInt(1500));
            } else if (r < 840) {
                quiesce();
            } else if (r < 855) {
                disk.crash();
                return;
            } else if (r < 865) {
                trace("process crash");
                coverage.count("process crash");
                broker.kill();
                return;
            } else if (r < 873) {
                if (closeCleanly()) {
                    coverage.count("clean restart");
                }
                return;
            }
            scheduler.runFor(random.nextInt(5));
        }
    }

    /** Lets every operation finish, then closes the broker; false when the disk crashed first. */
    private boolean closeCleanly() throws IOException {
        quiesce();
        scheduler.runUntil(() -> disk.isCrashed() || broker.quiet());
        if (disk.isCrashed()) {
            return false;
        }
        try {
            broker.closeCleanly();
            return true;
        } catch (SimulatedCrash c) {
            return false;
        }
    }

    // ---------------------------------------------------------------- the workload

    private PartitionModel model(Partition p) {
        List<PartitionModel> ms = models.get(p.topicId());
        if (ms == null || p.index() >= ms.size()) {
            throw new AssertionError("No model for " + p + " of topic " + p.topicId());
        }
        return ms.get(p.index());
    }

    private void metadataChanged(HostingChange change) {
        if (change == null) {
            return;
        }
        trace("metadata " + change);
        for (HostingChange.Topic t : change.topics()) {
            SimMetadata.Topic mt = metadata.topics.get(t.name());
            List<PartitionModel> ms = models.computeIfAbsent(t.id(), id -> {
                if (models.values().stream().anyMatch(l -> !l.isEmpty() && l.get(0).name.startsWith(t.name() + "-"))) {
                    coverage.count("topic name reused");
                }
                return new ArrayList<>();
            });
            while (ms.size() < t.partitionCount()) {
                ms.add(new PartitionModel(t.name() + "-" + ms.size(), mt.durable));
            }
            for (PartitionAssignment a : t.changedPartitions()) {
                if (a.leaderEpoch() > 0) {
                    coverage.count("leadership moved");
                }
            }
        }
        if (!change.deleted().isEmpty()) {
            coverage.count("topic deleted");
        }
        if (broker != null && !broker.dead() && broker.replicas != null) {
            CompletableFuture<Void> f = broker.replicas.apply(change);
            changes.add(f);
            SimBroker b = broker;
            f.whenComplete((v, e) -> {
                if (e != null && !b.dead()) {
                    failures.add(new AssertionError("A hosting change failed: " + change, e));
                }
            });
        }
    }

    /** One to {@code most} distinct hosted partitions, or none when nothing is hosted. */
    private List<Partition> choose(int most) {
        List<Partition> hosted = broker.replicas.partitions();
        List<Partition> chosen = new ArrayList<>();
        int n = Math.min(hosted.size(), 1 + random.nextInt(most));
        while (chosen.size() < n) {
            Partition p = ReplicationSimulationTest.pick(random, hosted);
            if (!chosen.contains(p)) {
                chosen.add(p);
            }
        }
        return chosen;
    }

    private void produce() {
        List<Partition> chosen = choose(2);
        if (chosen.isEmpty()) {
            return;
        }
        SimExecutor home = broker.shard(random);
        int acks = new int[] {0, 1, -1}[random.nextInt(3)];
        long timeout = new long[] {0, 30, 300, MAX_PRODUCE_TIMEOUT_MS}[random.nextInt(4)];
        ReplicationSimulationTest.SimProduce op = new ReplicationSimulationTest.SimProduce(this, broker, home, acks,
                timeout, chosen.size());
        for (Partition p : chosen) {
            ByteBuf batch = SimBatches.random(random, scheduler.nowMillis());
            op.add(new ReplicationSimulationTest.SimAppend(p, batch, model(p), broker));
        }
        produces.add(op);
        home.execute(op::begin);
    }

    private void fetch() {
        List<Partition> chosen = choose(3);
        if (chosen.isEmpty()) {
            return;
        }
        SimExecutor home = broker.shard(random);
        boolean follower = random.nextInt(10) == 0;
        boolean readCommitted = !follower && random.nextInt(4) == 0;
        int replicaId = follower ? ReplicationSimulationTest.OTHER : -1;
        int maxWait = new int[] {0, 10, 100, 500, (int) MAX_FETCH_WAIT_MS}[random.nextInt(5)];
        int minBytes = new int[] {0, 1, 100, 2000, 100_000}[random.nextInt(5)];
        int maxBytes = new int[] {1, 1000, 1 << 20}[random.nextInt(3)];
        FetchParams params = new FetchParams(replicaId, maxWait, minBytes, maxBytes,
                FetchIsolation.of(replicaId, readCommitted));
        List<ReplicationSimulationTest.SimPartitionFetch> parts = new ArrayList<>();
        for (Partition p : chosen) {
            long start = p.logStartOffset();
            long end = follower ? p.logEndOffset() : p.highWatermark();
            int r = random.nextInt(10);
            long offset = r < 4 ? end : r < 8 ? start + (long) (random.nextDouble() * (end - start + 1))
                    : r < 9 ? Math.max(0, start - 1 - random.nextInt(3)) : p.logEndOffset() + 1 + random.nextInt(3);
            int epoch = random.nextBoolean() ? p.leaderEpoch() : -1;
            parts.add(new ReplicationSimulationTest.SimPartitionFetch(p, model(p), offset,
                    new int[] {1, 500, 1 << 20}[random.nextInt(3)], epoch));
        }
        ReplicationSimulationTest.SimFetch op = new ReplicationSimulationTest.SimFetch(this, broker, home, params,
                parts);
        fetches.add(op);
        home.execute(op::begin);
    }

    /** DeleteRecords of one partition, as the handler does it: on the partition's shard, answered on the home loop. */
    private void deleteRecords() {
        List<Partition> chosen = choose(1);
        if (chosen.isEmpty()) {
            return;
        }
        Partition p = chosen.get(0);
        PartitionModel m = model(p);
        long hw = p.highWatermark();
        long start = p.logStartOffset();
        int r = random.nextInt(6);
        long target = r == 0 ? -1 : r < 5 ? start + (long) (random.nextDouble() * (hw - start + 1))
                : hw + 1 + random.nextInt(3);
        SimBroker b = broker;
        ShardProxy.Part part = new ShardProxy.Part(p) {
            @Override
            protected void runOnShard() {
                long before = partition.logStartOffset();
                long hwNow = partition.highWatermark();
                long t = target == -1 ? hwNow : target;
                if (t <= hwNow) {
                    m.deleteTarget = Math.max(m.deleteTarget, t);
                }
                long low = partition.deleteRecordsBefore(target);
                if (low != Math.max(before, t)) {
                    throw new AssertionError(partition.name() + ": DeleteRecords to " + t + " left the log start at "
                            + low + " (was " + before + ")");
                }
            }
        };
        b.replicas.shards().scatter(new ShardProxy.Gather(b.shard(random)) {
            @Override
            protected void gathered() {
                if (b.dead()) {
                    return;
                }
                if (part.error() == null) {
                    coverage.count("delete records");
                    return;
                }
                ErrorCode c = ReplicationSimulationTest.code(part.error());
                if (c != ErrorCode.NOT_LEADER_OR_FOLLOWER && c != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                        && c != ErrorCode.OFFSET_OUT_OF_RANGE) {
                    throw new AssertionError(p.name() + ": DeleteRecords failed", part.error());
                }
            }
        }, List.of(part));
    }

    /**
     * Lets every operation of this life run to its end (the longest produce timeout and fetch wait, and a few
     * flusher passes), then checks that none was lost: each produce and fetch completed exactly once, each hosting
     * change applied.
     */
    private void quiesce() {
        scheduler.runFor(Math.max(MAX_PRODUCE_TIMEOUT_MS, MAX_FETCH_WAIT_MS) + 10 * flusherPollMs + 100);
        if (disk.isCrashed() || broker.dead()) {
            return;
        }
        for (ReplicationSimulationTest.SimProduce p : produces) {
            if (p.completions != 1) {
                throw new AssertionError("A produce started at " + p.startedAt + " never completed (now "
                        + scheduler.nowMillis() + "): " + p.appends());
            }
        }
        for (ReplicationSimulationTest.SimFetch f : fetches) {
            if (f.completions != 1) {
                throw new AssertionError("A fetch started at " + f.startedAt + " never completed: " + f.params());
            }
        }
        for (CompletableFuture<Void> c : changes) {
            if (!c.isDone()) {
                throw new AssertionError("A hosting change was never applied");
            }
        }
        produces.clear();
        fetches.clear();
        changes.clear();
    }

    // ---------------------------------------------------------------- invariants, after every task

    private void invariants() {
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("A callback failed", failures.get(0));
            failures.clear();
            throw e;
        }
        SimBroker b = broker;
        if (b == null || b.dead() || b.replicas == null || disk.isCrashed()) {
            return;
        }
        for (Partition p : b.replicas.partitions()) {
            if (p.isDeleted()) {
                continue;
            }
            PartitionModel m = model(p);
            Log l = p.log();
            long hw = p.highWatermark();
            long start = l.logStartOffset();
            long end = l.logEndOffset();
            if (start > hw || hw > end) {
                throw new AssertionError(p.name() + ": high watermark " + hw + " outside the log [" + start + ", "
                        + end + ")");
            }
            if (m.life != b.life) {
                verifyRecovered(p, m);
                if (!m.durable || p.state().replicas().size() > 1 && (!p.state().isr().equals(List.of(b.nodeId))
                        || p.state().isr().size() < p.effectiveMinInsyncReplicas())) {
                    // Default mode: a crash may take back what the page cache held (replication's job, issue 12).
                    // A replicated partition not alone in its ISR, or alone below min.insync.replicas (KIP-966),
                    // restarts at its log start (no high-watermark checkpoint, as Kafka without one) and learns its
                    // high watermark from its ISR again.
                    m.highWatermark = hw;
                }
                m.life = b.life;
            }
            if (hw < m.highWatermark) {
                throw new AssertionError(p.name() + ": the high watermark went back from " + m.highWatermark + " to "
                        + hw + (m.durable ? " in durable mode" : ""));
            }
            m.highWatermark = hw;
            m.maxHighWatermark = Math.max(m.maxHighWatermark, hw);
            if (m.durable && hw > l.recoveryPoint()) {
                throw new AssertionError(p.name() + ": the high watermark " + hw + " passed the durable end "
                        + l.recoveryPoint() + " in durable mode");
            }
        }
        long now = scheduler.nowMillis();
        for (ReplicationSimulationTest.SimFetch f : fetches) {
            if (f.overdue(now)) {
                throw new AssertionError("A fetch parked at " + f.startedAt + " outlived its max wait of "
                        + f.params().maxWaitMs() + " ms (now " + now + ")");
            }
        }
    }
}
