package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.log.AppendResult;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.ReadResult;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's replication under faults: three brokers replicate one topic (replication factor 3,
 * {@code min.insync.replicas=2}) through the production pieces (each broker's {@link ReplicaManager} and
 * {@link Partition}s with the leader's side wired, {@link ReplicaFetcherManager} and its fetchers over the simulated
 * network, {@link SimFetchServer} answering them, logs on each broker's own {@link SimDisk}), while a scripted
 * controller ({@link SimController}, a model of what Kafka's controller does: AlterPartition with its checks, ISR
 * shrink and leader election from the ISR when a broker's session expires or it registers again, election of a
 * returning ISR member for a partition without a leader, leader and partition epochs, unclean election off) commits
 * the partitions' states and each broker applies them at its own pace.
 *
 * <p>Producers send acks=all and acks=1 to whoever they believe leads (now and then a stale broker); consumers read
 * the leader up to its high watermark. Faults: process crashes (the page cache survives), power losses (only what
 * was forced survives, at an instant or at a seeded disk operation, in recovery too), every broker at once,
 * network partitions between brokers and between a broker and the controller (a leader cut off from the controller
 * keeps leading in its own eyes: a zombie), lost, delayed, duplicated and reordered messages, restarts.
 *
 * <p>Seeds draw durable mode ({@code flush.messages=1}: every fault, power losses included) or the default
 * flushing, where, as in Kafka, an acknowledged record lives in the page cache of at least
 * {@code min.insync.replicas} replicas (KIP-966's strict min ISR rule: the high watermark moves only while the ISR
 * holds that many) and the controller keeps eligible leader replicas: what Kafka promises there is that an acks=all
 * record survives any one broker's power loss, not several at once. So with the default flushing a power loss
 * strikes one broker while the others are up and none is still recovering from one, and until that broker is back
 * in the ISR of every partition no other broker crashes (a crash and restart is an unclean shutdown too, which
 * takes a copy's holder out of the ISR and the ELR).
 *
 * <p>Checked after every task: each live replica's high watermark never goes back within a life, never passes its
 * log end. After every event (each step of the run): every batch below a live replica's high watermark is the
 * batch committed at that offset (the first replica, consumer read or acknowledgement that saw it there fixed its
 * bytes: replicas never diverge below the high watermark and no read is contradicted later); every live member of
 * the controller's ISR holds every batch acknowledged with acks=all at its offset, byte for byte (and in durable
 * mode has forced it, checked at the acknowledgement too). At the end, with
 * the network healed and every broker back, the partitions have a leader, every replica rejoins the ISR and holds
 * its leader's log byte for byte within 60 s of simulated time.
 */
class ClusterReplicationSimulationTest {
    static final int CI_SEEDS = 12;
    private static final long T0 = 1_700_000_000_000L;
    static final String TOPIC = "r";
    private static final int STEPS = 300;
    private static final int[] IDS = {1, 2, 3};

    @Test
    void acknowledgedRecordsSurviveCrashesPartitionsAndLeaderChanges() {
        Map<String, Long> coverage = new TreeMap<>();
        Simulation.Summary summary = Simulation.forEachSeed("ClusterReplicationSimulationTest", CI_SEEDS,
                seed -> new Run(seed, coverage).run());
        System.out.println("ClusterReplicationSimulationTest: " + summary.seeds() + " seeds from "
                + summary.firstSeed() + " in " + summary.elapsedMs() + " ms, " + coverage);
        if (summary.seeds() >= CI_SEEDS) {
            for (String w : new String[] {"acks=all acknowledged", "acks=1 acknowledged", "leader elected",
                    "isr shrunk", "isr expanded", "process crash", "power loss", "broker fenced", "consumer read",
                    "converged", "zombie leader", "power loss, default flushing"}) {
                assertTrue(coverage.getOrDefault(w, 0L) > 0, "never: " + w + " in " + coverage);
            }
        }
    }

    /** A batch at its offsets, as the log holds it. */
    record Batch(long base, long last, byte[] bytes) {
    }

    /** One broker: its disk across lives, and the life now running. */
    static final class Node {
        final int id;
        final SimDisk disk;
        SimBroker broker;
        ReplicaFetcherManager fetcher;
        SimBrokerChannel channel;
        int lives;
        boolean alive;
        boolean controllerLink = true;
        /** Default flushing: lost power and not yet back in every partition's ISR (see {@link Run#powerLoss}). */
        boolean powerLost;
        long brokerEpoch;
        /** Metadata changes handed to this broker (an index into the controller's log). */
        int delivered;
        long nextApplyAt;
        /** Per partition, in this life: the highest high watermark seen, and how far the log was verified. */
        final Map<Integer, Long> hwSeen = new HashMap<>();
        final Map<Integer, Long> verified = new HashMap<>();
        final Map<Integer, Integer> ackChecked = new HashMap<>();

        Node(int id, SimDisk disk) {
            this.id = id;
            this.disk = disk;
        }
    }

    /** One seed's run. */
    static final class Run {
        final Map<String, Long> coverage;
        final Random random;
        final SimScheduler scheduler;
        final SimBrokerNetwork net;
        final boolean durable;
        final LogConfig config;
        final int partitions;
        final UUID topicId;
        final long lagTimeMs;
        final short fetchVersion;
        final SimController controller;
        final Map<Integer, Node> nodes = new HashMap<>();
        /** Per partition: what is committed at each base offset (fixed by the first replica or read to see it). */
        final Map<Integer, TreeMap<Long, Batch>> committed = new HashMap<>();
        /** Per partition: the batches acknowledged with acks=all, in order of acknowledgement. */
        final Map<Integer, List<Batch>> acked = new HashMap<>();
        final StringBuilder trace = new StringBuilder();
        int events;
        /** The run's end: no more faults. */
        boolean finishing;

        Run(long seed, Map<String, Long> coverage) throws Exception {
            this.coverage = coverage;
            this.random = Simulation.random(seed);
            this.scheduler = new SimScheduler(random, T0);
            this.net = new SimBrokerNetwork(scheduler, new SimNetwork.Config(1, 1 + random.nextInt(20),
                    random.nextInt(3) * 0.02, random.nextInt(3) * 0.01, random.nextBoolean()));
            this.durable = random.nextBoolean();
            Map<String, String> props = new HashMap<>();
            if (durable) {
                props.put(LogConfig.FLUSH_MESSAGES, "1");
            }
            props.put(LogConfig.SEGMENT_BYTES, new String[] {"1500", "4096", "65536"}[random.nextInt(3)]);
            this.config = LogConfig.fromMap(props);
            this.partitions = 1 + random.nextInt(3);
            this.topicId = new UUID(random.nextLong(), random.nextLong());
            this.lagTimeMs = new long[] {300, 1000, 5000}[random.nextInt(3)];
            this.fetchVersion = new short[] {12, 13, 15, 17}[random.nextInt(4)];
            this.controller = new SimController(this, scheduler.executor("controller"),
                    new long[] {300, 1000, 3000}[random.nextInt(3)]);
            for (int i = 0; i < partitions; i++) {
                committed.put(i, new TreeMap<>());
                acked.put(i, new ArrayList<>());
            }
            for (int id : IDS) {
                Node n = new Node(id, new SimDisk(random, scheduler.clock()).strictNames(random.nextInt(4) == 0));
                n.disk.onCrash(() -> down(n));
                nodes.put(id, n);
            }
            for (int id : IDS) {
                start(nodes.get(id));
            }
            controller.startHeartbeats();
            scheduler.addInvariant(this::everyTask);
        }

        void count(String what) {
            coverage.merge(what, 1L, Long::sum);
        }

        void trace(String what) {
            if (Boolean.getBoolean("sim.debug")) {
                System.out.println(scheduler.nowMillis() - T0 + " " + what);
            }
            trace.append(scheduler.nowMillis() - T0).append(' ').append(what).append('\n');
            if (trace.length() > 20_000) {
                trace.delete(0, trace.length() - 10_000);
            }
        }

        void run() throws Exception {
            for (int step = 0; step < STEPS; step++) {
                int r = random.nextInt(100);
                if (r < 40) {
                    produce();
                } else if (r < 50) {
                    consume();
                } else if (r < 54) {
                    processCrash(pickAlive());
                } else if (r < 57) {
                    powerLoss(pickAlive());
                } else if (r < 58) {
                    everyBrokerDown();
                } else if (r < 66) {
                    restart(pickDead());
                } else if (r < 74) {
                    network();
                } else if (r < 80) {
                    scheduler.runFor(random.nextInt(1000));
                }
                scheduler.runFor(random.nextInt(20));
                checkEvent(false);
            }
            finish();
        }

        // ------------------------------------------------------------ lives

        /** A new life of {@code n}: it registers (a new broker epoch), recovers, hosts the image, then serves. */
        void start(Node n) throws Exception {
            while (true) {
                n.brokerEpoch = controller.register(n.id);
                SimBroker b = new SimBroker(scheduler, n.id, n.lives++, 1 + random.nextInt(2));
                n.broker = b;
                n.hwSeen.clear();
                n.verified.clear();
                n.ackChecked.clear();
                if (durable && !finishing && n.lives > 1 && random.nextInt(4) == 0) {
                    n.disk.crashAtOperation(n.disk.operations() + 1 + random.nextInt(60));
                }
                long epoch = n.brokerEpoch;
                try {
                    b.open(n.disk, scheduler.clock(), Path.of("/sim/node-" + n.id), t -> config, random, 20, 1000,
                            3_600_000, alterPartitionChannel(n, epoch), lagTimeMs);
                    CompletableFuture<Void> hosted = b.replicas.apply(controller.image());
                    n.delivered = controller.logSize();
                    scheduler.runUntil(() -> hosted.isDone() || n.disk.isCrashed());
                } catch (SimulatedCrash c) {
                    // In recovery: below.
                }
                if (!n.disk.isCrashed()) {
                    break;
                }
                count("power loss at start-up");
                b.kill();
                n.disk.restart();
            }
            SimBroker b = n.broker;
            n.channel = net.start(n.id, b.shards.get(0), new SimFetchServer(b, (p, o) -> { }), 1000);
            long epoch = n.brokerEpoch;
            n.fetcher = new ReplicaFetcherManager(b.replicas, n.channel, b.shards.get(0), () -> epoch,
                    new ReplicaFetcherManager.Settings(1 + random.nextInt(2), 16 * 1024, 1 << 20, 100, 1, 30,
                            fetchVersion, (short) 7));
            n.fetcher.start();
            n.alive = true;
            n.nextApplyAt = scheduler.nowMillis();
            trace("node " + n.id + " up, life " + n.lives + ", broker epoch " + epoch);
            controller.deliver(n);
            if (durable && !finishing && random.nextInt(3) == 0) {
                n.disk.crashAtOperation(n.disk.operations() + 1 + random.nextInt(2000));
            } else {
                n.disk.crashAtOperation(-1);
            }
        }

        /** The broker's process is gone (a crash of its disk kills it too). */
        void down(Node n) {
            if (n.broker != null) {
                n.broker.kill();
            }
            net.crash(n.id);
            if (n.alive) {
                trace("node " + n.id + " down" + (n.disk.isCrashed() ? " (power loss)" : ""));
            }
            n.alive = false;
        }

        void processCrash(Node n) {
            if (n == null || recoveringFromPowerLoss(n)) {
                return;
            }
            count("process crash");
            down(n);
        }

        /**
         * A power loss. In durable mode at any time. With the default flushing Kafka keeps an acknowledged record in
         * the page cache of the replicas that were in the ISR when the high watermark passed it (at least
         * {@code min.insync.replicas}, KIP-966), so it promises to survive one broker's power loss, not more. So the
         * loss strikes only a healthy cluster (every broker up, none still recovering from a power loss, every
         * partition with a leader and two replicas in its ISR), and until this broker is back in every partition's
         * ISR no other broker crashes: a restarted broker registers after an unclean shutdown, which takes it out of
         * the ISR and the ELR, so a second crash could leave the controller only the broker that lost the record to
         * elect, as the last known leader (seed 14 of the first build, docs/simulation.md; Kafka elects the last
         * known leader the same way).
         */
        void powerLoss(Node n) {
            if (n == null) {
                return;
            }
            if (!durable) {
                for (Node o : nodes.values()) {
                    if (o != n && (!o.alive || o.powerLost)) {
                        return;
                    }
                }
                for (int i = 0; i < partitions; i++) {
                    // The promise is for a healthy partition: its records on min.insync.replicas live replicas the
                    // controller knows hold them (after every broker went down at once, only the last known leader
                    // is, until the ISR grows again).
                    PartitionState s = controller.state(i);
                    if (s.leader() < 0 || s.isr().size() < 2) {
                        return;
                    }
                }
                n.powerLost = true;
                count("power loss, default flushing");
            }
            count("power loss");
            n.disk.crash();
        }

        /** Default flushing: another broker than {@code n} has lost power and is not yet back in every ISR. */
        boolean recoveringFromPowerLoss(Node n) {
            for (Node o : nodes.values()) {
                if (o != n && o.powerLost) {
                    return true;
                }
            }
            return false;
        }

        void everyBrokerDown() {
            if (recoveringFromPowerLoss(null)) {
                return;
            }
            count("every broker down");
            for (Node n : nodes.values()) {
                if (durable && random.nextBoolean()) {
                    if (n.alive) {
                        count("power loss");
                        n.disk.crash();
                    }
                } else if (n.alive) {
                    count("process crash");
                    down(n);
                }
            }
        }

        void restart(Node n) throws Exception {
            if (n == null) {
                return;
            }
            count("restart");
            if (n.disk.isCrashed()) {
                n.disk.restart();
            }
            start(n);
        }

        Node pickAlive() {
            List<Node> up = new ArrayList<>();
            for (int id : IDS) {
                if (nodes.get(id).alive) {
                    up.add(nodes.get(id));
                }
            }
            return up.isEmpty() ? null : up.get(random.nextInt(up.size()));
        }

        Node pickDead() {
            List<Node> down = new ArrayList<>();
            for (int id : IDS) {
                if (!nodes.get(id).alive) {
                    down.add(nodes.get(id));
                }
            }
            return down.isEmpty() ? null : down.get(random.nextInt(down.size()));
        }

        void network() {
            int r = random.nextInt(5);
            int a = IDS[random.nextInt(3)];
            int b = IDS[random.nextInt(3)];
            if (r == 0) {
                net.network().heal();
                for (Node n : nodes.values()) {
                    setControllerLink(n, true);
                }
                trace("network healed");
            } else if (r == 1) {
                // One broker alone: cut from the others and from the controller.
                List<Integer> others = new ArrayList<>();
                for (int id : IDS) {
                    if (id != a) {
                        others.add(id);
                    }
                }
                net.network().partition(List.of(a), others);
                setControllerLink(nodes.get(a), false);
                count("broker isolated");
                trace("node " + a + " isolated");
            } else if (r == 2) {
                setControllerLink(nodes.get(a), !nodes.get(a).controllerLink);
                trace("node " + a + " controller link " + nodes.get(a).controllerLink);
            } else if (a != b) {
                net.network().cut(a, b);
                count("link cut");
                trace("link " + a + "->" + b + " cut");
            }
        }

        void setControllerLink(Node n, boolean up) {
            n.controllerLink = up;
            if (up) {
                controller.deliver(n);
            }
        }

        // ------------------------------------------------------------ the controller's channel

        /**
         * A life's AlterPartition to the controller: the request and its answer each cross the broker's link to
         * the controller (a few ms); with the link cut either way it times out (REQUEST_TIMED_OUT, and the leader
         * sends it again after a backoff).
         */
        AlterPartitionChannel alterPartitionChannel(Node n, long epoch) {
            return change -> {
                CompletableFuture<PartitionState> f = new CompletableFuture<>();
                SimExecutor c = controller.executor();
                long sent = scheduler.nowMillis();
                Runnable timeout = () -> f.completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT,
                        "AlterPartition timed out"));
                if (!n.controllerLink) {
                    c.schedule(timeout, 1000);
                    return f;
                }
                c.schedule(() -> {
                    if (!n.controllerLink) {
                        c.schedule(timeout, Math.max(0, sent + 1000 - scheduler.nowMillis()));
                        return;
                    }
                    Object answer = controller.alterPartition(n.id, epoch, change);
                    c.schedule(() -> {
                        if (!n.controllerLink) {
                            timeout.run();
                        } else if (answer instanceof PartitionState s) {
                            f.complete(s);
                        } else {
                            f.completeExceptionally((Throwable) answer);
                        }
                    }, 1 + random.nextInt(10));
                }, 1 + random.nextInt(10));
                return f;
            };
        }

        // ------------------------------------------------------------ workload

        /** A produce (acks=all or acks=1) of one batch to whoever the producer believes leads the partition. */
        void produce() {
            int idx = random.nextInt(partitions);
            int leader = controller.state(idx).leader();
            Node n = nodes.get(leader < 0 || random.nextInt(6) == 0 ? IDS[random.nextInt(3)] : leader);
            if (!n.alive) {
                return;
            }
            Partition p = n.broker.replicas.partition(TOPIC, idx);
            if (p == null) {
                return;
            }
            int acks = random.nextBoolean() ? -1 : 1;
            SimBroker b = n.broker;
            SimExecutor home = b.shard(random);
            ClusterProduce op = new ClusterProduce(this, n, b, home, acks, 1000 + random.nextInt(2000), idx);
            op.add(new ClusterAppend(p, SimBatches.random(random, scheduler.nowMillis())));
            home.execute(op::start);
        }

        /** A consumer's read of the leader (as the consumer believes) up to its high watermark. */
        void consume() {
            int idx = random.nextInt(partitions);
            int leader = controller.state(idx).leader();
            Node n = nodes.get(leader < 0 || random.nextInt(6) == 0 ? IDS[random.nextInt(3)] : leader);
            if (!n.alive) {
                return;
            }
            Partition p = n.broker.replicas.partition(TOPIC, idx);
            if (p == null || !p.isLeader()) {
                return;
            }
            long hw = p.highWatermark();
            long from = p.logStartOffset() + (hw > p.logStartOffset()
                    ? (long) random.nextInt((int) Math.min(Integer.MAX_VALUE, hw - p.logStartOffset() + 1)) : 0);
            PartitionRead read;
            try {
                read = p.read(from, 1 + random.nextInt(4000), FetchIsolation.HIGH_WATERMARK, true);
            } catch (SamsaException e) {
                return;
            }
            try {
                byte[] bytes = PartitionModel.bytes(read.records());
                for (Batch batch : split(bytes)) {
                    if (batch.last >= read.highWatermark()) {
                        throw new AssertionError(TOPIC + "-" + idx + ": a consumer read " + batch.base + ".."
                                + batch.last + " at or above the high watermark " + read.highWatermark());
                    }
                    commit(idx, batch, "a consumer's read of node " + n.id);
                }
                count("consumer read");
            } finally {
                read.records().release();
            }
        }

        /** The batch was acknowledged with acks=all at its offsets: it is committed there. */
        void acknowledged(int idx, Batch batch) {
            commit(idx, batch, "an acks=all acknowledgement");
            for (int m : controller.state(idx).isr()) {
                Node n = nodes.get(m);
                Partition p = n.alive ? n.broker.replicas.partition(TOPIC, idx) : null;
                if (durable && p != null && p.log().recoveryPoint() <= batch.last) {
                    // Durable mode: a follower fetches again (reports its log end) only once it forced it, and the
                    // leader counts its own forced end: an acknowledged batch is on every ISR member's disk.
                    fail(TOPIC + "-" + idx + ": acks=all acknowledged " + batch.base + ".." + batch.last + " while node "
                            + m + ", in the ISR " + controller.state(idx).isr() + ", had forced only up to "
                            + p.log().recoveryPoint());
                }
            }
            acked.get(idx).add(batch);
            count("acks=all acknowledged");
        }

        // ------------------------------------------------------------ invariants

        /** After every task: high watermarks within the log, never back within a life. */
        void everyTask() {
            for (Node n : nodes.values()) {
                if (!n.alive) {
                    continue;
                }
                for (int i = 0; i < partitions; i++) {
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    if (p == null) {
                        continue;
                    }
                    long hw = p.highWatermark();
                    long before = n.hwSeen.getOrDefault(i, -1L);
                    if (hw < before) {
                        fail(TOPIC + "-" + i + ": node " + n.id + "'s high watermark went back from " + before
                                + " to " + hw);
                    }
                    n.hwSeen.put(i, hw);
                    if (hw > p.logEndOffset()) {
                        fail(TOPIC + "-" + i + ": node " + n.id + "'s high watermark " + hw + " passed its log end "
                                + p.logEndOffset());
                    }
                }
            }
        }

        /**
         * After every event: what each live replica holds below its high watermark is committed (the same bytes
         * wherever seen), and every live member of the controller's ISR holds every acks=all batch (all of them
         * when {@code full}, else those this life did not check yet, and the log end past the last).
         */
        void checkEvent(boolean full) {
            events++;
            full |= events % 25 == 0;
            for (Node n : nodes.values()) {
                if (n.powerLost && n.alive && inEveryIsr(n.id)) {
                    n.powerLost = false;
                    count("back in every ISR after a power loss");
                    trace("node " + n.id + " back in every ISR after its power loss");
                }
            }
            for (Node n : nodes.values()) {
                if (!n.alive) {
                    continue;
                }
                for (int i = 0; i < partitions; i++) {
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    if (p == null) {
                        continue;
                    }
                    long hw = p.highWatermark();
                    long from = full ? p.logStartOffset() : Math.max(p.logStartOffset(), n.verified.getOrDefault(i,
                            0L));
                    for (Batch b : batches(p.log(), from, hw)) {
                        commit(i, b, "node " + n.id + " below its high watermark " + hw);
                        n.verified.put(i, b.last + 1);
                    }
                }
            }
            for (int i = 0; i < partitions; i++) {
                List<Batch> all = acked.get(i);
                if (all.isEmpty()) {
                    continue;
                }
                long end = 0;
                for (Batch b : all) {
                    end = Math.max(end, b.last + 1);
                }
                for (int m : controller.state(i).isr()) {
                    Node n = nodes.get(m);
                    if (!n.alive) {
                        continue;
                    }
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    if (p == null || p.logEndOffset() < end) {
                        fail(TOPIC + "-" + i + ": node " + m + ", in the ISR " + controller.state(i).isr()
                                + ", ends at " + (p == null ? "nothing" : p.logEndOffset())
                                + " below acknowledged offset " + (end - 1));
                    }
                    if (durable && p.log().recoveryPoint() < end) {
                        // Durable mode: a member reports (fetches from) only what it forced, and the leader counts
                        // its own forced end, so acknowledged batches are on every ISR member's disk.
                        fail(TOPIC + "-" + i + ": node " + m + ", in the ISR " + controller.state(i).isr()
                                + ", has forced only up to " + p.log().recoveryPoint() + ", below acknowledged offset "
                                + (end - 1));
                    }
                    int checked = full ? 0 : n.ackChecked.getOrDefault(i, 0);
                    for (int k = checked; k < all.size(); k++) {
                        Batch b = all.get(k);
                        List<Batch> there = batches(p.log(), b.base, b.last + 1);
                        if (there.isEmpty() || there.get(0).base != b.base
                                || !Arrays.equals(there.get(0).bytes, b.bytes)) {
                            fail(TOPIC + "-" + i + ": node " + m + ", in the ISR, lost acknowledged batch "
                                    + b.base + ".." + b.last + " (holds " + describe(there) + ")");
                        }
                    }
                    n.ackChecked.put(i, all.size());
                }
            }
        }

        boolean inEveryIsr(int id) {
            for (int i = 0; i < partitions; i++) {
                if (!controller.state(i).isr().contains(id)) {
                    return false;
                }
            }
            return true;
        }

        /** Batch {@code b} is at its offsets in partition {@code idx}: it must be what is committed there. */
        void commit(int idx, Batch b, String who) {
            TreeMap<Long, Batch> m = committed.get(idx);
            Batch c = m.get(b.base);
            if (c != null) {
                if (c.last != b.last || !Arrays.equals(c.bytes, b.bytes)) {
                    fail(TOPIC + "-" + idx + ": " + who + " holds at " + b.base + ".." + b.last + " other bytes than"
                            + " the batch committed at " + c.base + ".." + c.last + " (epochs " + epochOf(b) + " / "
                            + epochOf(c) + ")");
                }
                return;
            }
            Map.Entry<Long, Batch> lower = m.lowerEntry(b.base);
            Map.Entry<Long, Batch> higher = m.higherEntry(b.base);
            if (lower != null && lower.getValue().last >= b.base || higher != null && higher.getKey() <= b.last) {
                fail(TOPIC + "-" + idx + ": " + who + " holds a batch " + b.base + ".." + b.last + " across the "
                        + "bounds of committed batches");
            }
            m.put(b.base, b);
        }

        void fail(String what) {
            throw new AssertionError(what + "\n" + state() + "\nlast events:\n" + trace);
        }

        String state() {
            StringBuilder sb = new StringBuilder("controller: ").append(controller);
            for (Node n : nodes.values()) {
                sb.append("\nnode ").append(n.id).append(n.alive ? " up" : " down").append(" life ").append(n.lives)
                        .append(n.controllerLink ? "" : " (cut from the controller)");
                if (!n.alive) {
                    continue;
                }
                for (int i = 0; i < partitions; i++) {
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    if (p != null) {
                        sb.append("\n  ").append(p).append(" leo=").append(p.logEndOffset()).append(" latest epoch=").append(p.log().latestEpoch()).append(" recovery point=")
                                .append(p.log().recoveryPoint()).append(" durable=").append(durable)
                                .append(p.isLeader() ? " followers " + p.followerStates() + " maximal ISR "
                                        + p.maximalIsr() : "").append(" batches ")
                                .append(describe(batches(p.log(), p.logStartOffset(), p.logEndOffset())));
                    }
                }
            }
            return sb.toString();
        }

        // ------------------------------------------------------------ the end

        /** Heal, bring every broker back, and wait for a leader, a full ISR and identical logs everywhere. */
        void finish() throws Exception {
            finishing = true;
            net.network().heal();
            for (Node n : nodes.values()) {
                setControllerLink(n, true);
                n.disk.crashAtOperation(-1);
            }
            for (Node n : nodes.values()) {
                if (!n.alive) {
                    restart(n);
                }
            }
            long deadline = scheduler.nowMillis() + 60_000;
            while (!converged()) {
                if (scheduler.nowMillis() > deadline) {
                    fail("No convergence within 60 s of a healed network with every broker up");
                }
                scheduler.runFor(50);
                checkEvent(false);
            }
            count("converged");
            checkEvent(true);
            for (int i = 0; i < partitions; i++) {
                Partition l = nodes.get(controller.state(i).leader()).broker.replicas.partition(TOPIC, i);
                List<Batch> expected = batches(l.log(), l.logStartOffset(), l.logEndOffset());
                for (Batch b : expected) {
                    commit(i, b, "the leader at the end");
                }
                for (Node n : nodes.values()) {
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    List<Batch> got = batches(p.log(), l.logStartOffset(), p.logEndOffset());
                    if (!describeBytes(got).equals(describeBytes(expected))) {
                        fail(TOPIC + "-" + i + ": node " + n.id + " does not hold its leader's log at the end");
                    }
                }
            }
            for (Node n : nodes.values()) {
                n.broker.kill();
            }
        }

        boolean converged() {
            for (int i = 0; i < partitions; i++) {
                PartitionState s = controller.state(i);
                if (s.leader() < 0 || s.isr().size() != IDS.length) {
                    return false;
                }
                Partition l = nodes.get(s.leader()).broker.replicas.partition(TOPIC, i);
                if (l == null || !l.isLeader() || l.leaderEpoch() != s.leaderEpoch()
                        || l.highWatermark() != l.logEndOffset()) {
                    return false;
                }
                for (Node n : nodes.values()) {
                    Partition p = n.broker.replicas.partition(TOPIC, i);
                    if (p == null || p.leaderEpoch() != s.leaderEpoch() || p.logEndOffset() != l.logEndOffset()
                            || p.highWatermark() != l.highWatermark()) {
                        return false;
                    }
                }
            }
            return true;
        }

        // ------------------------------------------------------------ bytes

        /** The whole batches of {@code log} from the one holding {@code from}, those ending below {@code to}. */
        static List<Batch> batches(Log log, long from, long to) {
            List<Batch> out = new ArrayList<>();
            long next = from;
            while (next < to && next < log.logEndOffset()) {
                ReadResult r = log.read(next, 1 << 20, to, true);
                try {
                    List<Batch> got = split(PartitionModel.bytes(r.records()));
                    if (got.isEmpty()) {
                        break;
                    }
                    out.addAll(got);
                    next = got.get(got.size() - 1).last + 1;
                } finally {
                    r.release();
                }
            }
            return out;
        }

        static List<Batch> split(byte[] bytes) {
            List<Batch> out = new ArrayList<>();
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            RecordBatchView v = new RecordBatchView();
            for (int pos = 0; pos < bytes.length; pos += v.sizeInBytes()) {
                v.wrap(buf, pos);
                out.add(new Batch(v.baseOffset(), v.lastOffset(), Arrays.copyOfRange(bytes, pos,
                        pos + v.sizeInBytes())));
            }
            return out;
        }

        static int epochOf(Batch b) {
            RecordBatchView v = new RecordBatchView();
            v.wrap(Unpooled.wrappedBuffer(b.bytes), 0);
            return v.partitionLeaderEpoch();
        }

        static String describe(List<Batch> batches) {
            StringBuilder sb = new StringBuilder();
            for (Batch b : batches) {
                sb.append(b.base).append("..").append(b.last).append('@').append(epochOf(b)).append(' ');
            }
            return sb.toString();
        }

        static String describeBytes(List<Batch> batches) {
            StringBuilder sb = new StringBuilder();
            for (Batch b : batches) {
                sb.append(b.base).append(':').append(Arrays.hashCode(b.bytes)).append(' ');
            }
            return sb.toString();
        }
    }

    /** One partition's append of a produce: the batch as the log will write it is taken before the append. */
    static final class ClusterAppend extends DelayedProduce.Append {
        private final ByteBuf records;
        /** The append's batches as the log wrote them, when it succeeded. */
        List<Batch> expected = List.of();

        ClusterAppend(Partition partition, ByteBuf records) {
            super(partition, records);
            this.records = records;
        }

        @Override
        protected void runOnShard() {
            long base = partition.logEndOffset();
            ByteBuf copy = SimBatches.rewritten(records, base, partition.leaderEpoch());
            byte[] bytes = new byte[copy.readableBytes()];
            copy.getBytes(0, bytes);
            copy.release();
            super.runOnShard();
            AppendResult r = result();
            if (r != null) {
                List<Batch> split = Run.split(bytes);
                if (r.firstOffset() != base || r.lastOffset() != split.get(split.size() - 1).last) {
                    throw new AssertionError(partition.name() + ": an append at " + base + " returned "
                            + r.firstOffset() + ".." + r.lastOffset());
                }
                expected = split;
            }
        }
    }

    /** A produce request on one broker's life: checks its one completion and records what it acknowledged. */
    static final class ClusterProduce extends DelayedProduce<ClusterAppend> {
        private final Run run;
        private final Node node;
        private final SimBroker life;
        private final int idx;
        private int completions;

        ClusterProduce(Run run, Node node, SimBroker life, SimExecutor home, int acks, long timeoutMs, int idx) {
            super(home, life.replicas.shards(), acks, timeoutMs, 1);
            this.run = run;
            this.node = node;
            this.life = life;
            this.idx = idx;
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            if (life.dead() || node.broker != life) {
                return;
            }
            if (++completions > 1) {
                throw new AssertionError("A produce completed twice");
            }
            ClusterAppend a = appends().get(0);
            if (a.error() != null) {
                ErrorCode c = ReplicationSimulationTest.code(a.error());
                boolean allowed = c == ErrorCode.NOT_LEADER_OR_FOLLOWER
                        || requiredAcks() == -1 && (c == ErrorCode.NOT_ENOUGH_REPLICAS
                        || c == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND && a.committed()
                        || c == ErrorCode.REQUEST_TIMED_OUT && expired);
                if (!allowed) {
                    throw new AssertionError(a.partition().name() + ": a produce with acks=" + requiredAcks()
                            + " to node " + node.id + " failed", a.error());
                }
                run.count("produce " + c);
                return;
            }
            List<Batch> batches = a.expected;
            long base = batches.get(0).base;
            long last = batches.get(batches.size() - 1).last;
            if (requiredAcks() == -1) {
                if (!a.committed() || a.partition().highWatermark() <= last) {
                    throw new AssertionError(a.partition().name() + ": acks=all acknowledged " + last
                            + " at or above the high watermark " + a.partition().highWatermark());
                }
                if (a.partition().state().isr().size() < 2) {
                    run.count("acks=all acknowledged with an ISR below min.insync.replicas (shrunk meanwhile)");
                }
                run.trace("acks=all " + a.partition().name() + " " + base + ".." + last + " by node " + node.id
                        + " in epoch " + a.partition().leaderEpoch());
                for (Batch b : batches) {
                    run.acknowledged(idx, b);
                }
            } else {
                run.count("acks=1 acknowledged");
            }
        }
    }
}
