package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two brokers on one thread from one seed, each with its own {@link SimDisk} and executors, joined by a
 * {@link SimBrokerNetwork} that delays, drops, duplicates and reorders, and cut for a while now and then. Broker 1
 * leads every partition and takes the produce load ({@link DelayedProduce}, acks=0/1/all) and DeleteRecords; broker 2
 * follows with the production follower, {@link ReplicaFetcherManager}, through its simulated {@link BrokerChannel},
 * and the leader's {@link SimFetchServer} answers through {@link DelayedFetch}'s follower path (to the log end, the
 * follower checked, the fetch offset recorded, epochs fenced, diverging epochs, ListOffsets). The follower crashes
 * (its disk, or its process) and restarts through its hosting path.
 *
 * <p>After every task the follower's log end is at most the leader's, its high watermark at most the leader's and
 * its own log end and never lower than before in the same life, its log start at most the leader's, and every fetch
 * offset the leader is asked for is within its log. After each restart and at random points the follower's log is a
 * byte-identical prefix of the leader's (same offsets, same leader epochs, whole batches). At the end, with the
 * network healed, the follower catches up completely (log end, high watermark, log start) within a bounded simulated
 * time, and no response was left open.
 *
 * <p>The leader never crashes and never moves here ({@link LeaderChangeSimulationTest} moves it). See
 * docs/simulation.md.
 */
class TwoBrokerSimulationTest {
    static final int CI_SEEDS = 60;
    private static final long T0 = 1_700_000_000_000L;
    private static final int LEADER = 1;
    private static final int FOLLOWER = 2;
    private static final int MAX_STEPS = 200;
    private static final short[] VERSIONS = {12, 13, 15, 16, 17, 18};

    @Test
    void aFollowerCopiesItsLeaderThroughTheSimulatedNetwork() {
        Map<String, Long> coverage = new TreeMap<>();
        Simulation.Summary summary = Simulation.forEachSeed("TwoBrokerSimulationTest", CI_SEEDS,
                seed -> new Run(seed, coverage).run());
        System.out.println("TwoBrokerSimulationTest: " + summary.seeds() + " seeds from " + summary.firstSeed()
                + " in " + summary.elapsedMs() + " ms, " + coverage);
        if (summary.seeds() >= 50) {
            for (String w : new String[] {"batches replicated", "follower disk crash", "follower process crash",
                "fetch failed", "link cut", "caught up", "records deleted on the leader", "fetch out of range",
                "incremental fetches", "fetch session resets"}) {
                assertTrue(coverage.getOrDefault(w, 0L) > 0, "never: " + w + " in " + coverage);
            }
        }
    }

    /** One seed's run. */
    private static final class Run {
        final Map<String, Long> coverage;
        final Random random;
        final SimScheduler scheduler;
        final SimDisk leaderDisk;
        final SimDisk followerDisk;
        final SimBrokerNetwork net;
        final short version;
        final HostingChange image;
        final Map<String, PartitionModel> models = new LinkedHashMap<>();
        final SimBroker leader;
        SimBroker follower;
        SimBrokerChannel followerChannel;
        ReplicaFetcherManager fetcher;
        int followerLives;
        /** The follower's highest high watermark per partition in its current life. */
        final Map<String, Long> followerHw = new HashMap<>();
        long batchesReplicated;
        long fetchFailures;
        long deletes;
        long outOfRange;
        long incrementalFetches;
        long sessionResets;

        Run(long seed, Map<String, Long> coverage) throws Exception {
            this.coverage = coverage;
            this.random = Simulation.random(seed);
            this.scheduler = new SimScheduler(random, T0);
            this.leaderDisk = new SimDisk(random, scheduler.clock());
            this.followerDisk = new SimDisk(random, scheduler.clock());
            long maxDelay = 1 + random.nextInt(30);
            this.net = new SimBrokerNetwork(scheduler, new SimNetwork.Config(1, maxDelay,
                    random.nextInt(3) * 0.02, random.nextInt(3) * 0.01, random.nextBoolean()));
            this.version = VERSIONS[random.nextInt(VERSIONS.length)];
            this.image = image();
            followerDisk.onCrash(() -> {
                if (follower != null) {
                    follower.kill();
                }
                net.crash(FOLLOWER);
            });
            leader = new SimBroker(scheduler, LEADER, 0, 1 + random.nextInt(2));
            leader.open(leaderDisk, scheduler.clock(), Path.of("/sim/node-1"), this::configOf, random, 20, 1000,
                    60_000);
            CompletableFuture<Void> hosted = leader.replicas.apply(image);
            scheduler.runUntil(hosted::isDone);
            net.start(LEADER, leader.shards.get(0), new SimFetchServer(leader, this::fetchedAt), 1000);
            scheduler.addInvariant(this::invariants);
        }

        /** Two topics, durable mode and the default, led by broker 1 and replicated to broker 2. */
        private HostingChange image() {
            List<HostingChange.Topic> topics = new ArrayList<>();
            for (String name : new String[] {"durable", "plain"}) {
                Map<String, String> props = new HashMap<>();
                if (name.equals("durable")) {
                    props.put(LogConfig.FLUSH_MESSAGES, "1");
                }
                props.put(LogConfig.SEGMENT_BYTES, new String[] {"1500", "4096", "65536"}[random.nextInt(3)]);
                LogConfig config = LogConfig.fromMap(props);
                int n = 1 + random.nextInt(3);
                List<PartitionAssignment> parts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    // The leader alone in the ISR (no controller to add the follower): its high watermark is its
                    // log end, as the produce load's acks=all expects while the follower is down.
                    parts.add(new PartitionAssignment(i, LEADER, 3, 0, List.of(LEADER),
                            List.of(LEADER, FOLLOWER)));
                    models.put(name + "-" + i, new PartitionModel(name + "-" + i, name.equals("durable")));
                }
                topics.add(new HostingChange.Topic(name, new UUID(random.nextLong(), random.nextLong()), n, config,
                        1, parts));
            }
            return new HostingChange(List.of(), topics, true);
        }

        private LogConfig configOf(String topic) {
            for (HostingChange.Topic t : image.topics()) {
                if (t.name().equals(topic)) {
                    return t.logConfig();
                }
            }
            return LogConfig.DEFAULTS;
        }

        private void count(String what) {
            coverage.merge(what, 1L, Long::sum);
        }

        void run() throws Exception {
            startFollower();
            for (int step = 0; step < MAX_STEPS; step++) {
                int r = random.nextInt(100);
                if (r < 45) {
                    produce();
                } else if (r < 50) {
                    cutOrHeal();
                } else if (r < 52) {
                    count("follower process crash");
                    follower.kill();
                    net.crash(FOLLOWER);
                } else if (r < 54) {
                    followerDisk.crash();
                } else if (r < 62) {
                    scheduler.runFor(random.nextInt(1000));
                } else if (r < 66) {
                    checkFollower();
                } else if (r < 68) {
                    deleteRecords();
                }
                scheduler.runFor(random.nextInt(5));
                if (follower.dead()) {
                    restartFollower();
                }
            }
            net.network().heal();
            if (follower.dead()) {
                restartFollower();
            }
            long deadline = scheduler.nowMillis() + 60_000;
            while (!caughtUp()) {
                if (scheduler.nowMillis() > deadline) {
                    throw new AssertionError("The follower did not catch up within 60 s of a healed network: "
                            + logEnds());
                }
                scheduler.runFor(100);
                if (follower.dead()) {
                    restartFollower();
                }
            }
            count("caught up");
            checkFollower();
            scheduler.runFor(500);
            if (followerChannel.openResponses() != 0) {
                throw new AssertionError(followerChannel.openResponses() + " responses were never closed");
            }
            leader.kill();
            follower.kill();
        }

        private void restartFollower() throws Exception {
            countFetcher();
            if (followerDisk.isCrashed()) {
                count("follower disk crash");
                followerDisk.restart();
            }
            startFollower();
        }

        /** A new life of broker 2: recovery, the whole image hosted, then its fetcher; a crash meanwhile retries. */
        private void startFollower() throws Exception {
            while (true) {
                follower = new SimBroker(scheduler, FOLLOWER, followerLives++, 1 + random.nextInt(2));
                followerHw.clear();
                if (random.nextInt(4) == 0) {
                    followerDisk.crashAtOperation(followerDisk.operations() + 1 + random.nextInt(50));
                }
                try {
                    follower.open(followerDisk, scheduler.clock(), Path.of("/sim/node-2"), this::configOf, random,
                            20, 1000, 60_000);
                    CompletableFuture<Void> hosted = follower.replicas.apply(image);
                    scheduler.runUntil(() -> hosted.isDone() || followerDisk.isCrashed());
                } catch (SimulatedCrash c) {
                    // In recovery: below.
                }
                if (!followerDisk.isCrashed()) {
                    break;
                }
                count("follower disk crash");
                followerDisk.restart();
            }
            checkFollower();
            followerChannel = net.start(FOLLOWER, follower.shards.get(0), (from, req, v, responder) -> {
                throw new AssertionError("The follower serves nothing");
            }, 1000);
            // The real replica fetchers, on the follower's network executor.
            int life = followerLives;
            fetcher = new ReplicaFetcherManager(follower.replicas, followerChannel, follower.shards.get(0),
                    () -> life, settings(random, version));
            fetcher.start();
            int r = random.nextInt(3);
            followerDisk.crashAtOperation(r == 0 ? -1 : followerDisk.operations() + 1 + random.nextInt(r == 1 ? 200
                    : 2000));
        }

        /** The fetcher's counters of the life that ends. */
        private void countFetcher() {
            if (fetcher == null) {
                return;
            }
            for (ReplicaFetcher f : fetcher.fetchers()) {
                batchesReplicated += f.batchesAppended;
                fetchFailures += f.failures;
                outOfRange += f.outOfRange;
                incrementalFetches += f.incrementalFetches;
                sessionResets += f.sessionResets;
            }
            fetcher = null;
        }

        /** DeleteRecords on the leader up to a random offset at or below its high watermark. */
        private void deleteRecords() {
            Partition p = ReplicationSimulationTest.pick(random, leader.replicas.partitions());
            long hw = p.highWatermark();
            if (hw <= p.logStartOffset()) {
                return;
            }
            long target = p.logStartOffset() + 1 + (long) random.nextInt((int) Math.min(Integer.MAX_VALUE - 1,
                    hw - p.logStartOffset()));
            deletes++;
            leader.replicas.shards().execute(p, () -> {
                p.deleteRecordsBefore(target);
                models.get(p.name()).deleteTarget = Math.max(models.get(p.name()).deleteTarget, target);
            });
        }

        private void produce() {
            List<Partition> ps = leader.replicas.partitions();
            Partition p = ReplicationSimulationTest.pick(random, ps);
            SimExecutor home = leader.shard(random);
            int acks = new int[] {0, 1, -1}[random.nextInt(3)];
            DelayedProduce<ReplicationSimulationTest.SimAppend> op =
                    new DelayedProduce<>(home, leader.replicas.shards(), acks, 5000, 1) {
                        private int completions;

                        @Override
                        protected void onProduceComplete(boolean expired) {
                            if (++completions > 1) {
                                throw new AssertionError("A produce completed twice");
                            }
                            Throwable e = appends().get(0).error();
                            if (e != null && ReplicationSimulationTest.code(e) != ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                                throw new AssertionError("A produce to the leader failed", e);
                            }
                        }
                    };
            op.add(new ReplicationSimulationTest.SimAppend(p, SimBatches.random(random, scheduler.nowMillis()),
                    models.get(p.name()), leader));
            home.execute(op::start);
        }

        private void cutOrHeal() {
            int r = random.nextInt(4);
            if (r == 0) {
                net.network().heal();
            } else {
                count("link cut");
                if (r != 2) {
                    net.network().cut(LEADER, FOLLOWER);
                }
                if (r != 1) {
                    net.network().cut(FOLLOWER, LEADER);
                }
            }
        }

        /** The leader is asked to fetch {@code p} from {@code offset}: never past its log end. */
        private void fetchedAt(Partition p, long offset) {
            if (offset > p.logEndOffset()) {
                throw new AssertionError(p.name() + ": the follower fetched from " + offset + ", past the leader's "
                        + "log end " + p.logEndOffset());
            }
            Partition f = follower == null || follower.dead() || follower.replicas == null ? null
                    : follower.replicas.partition(p.topic(), p.index());
            if (f != null && f.isDurableMode() && offset > f.log().recoveryPoint()) {
                throw new AssertionError(p.name() + ": the durable-mode follower fetched from " + offset
                        + ", above what it fsynced (" + f.log().recoveryPoint() + ")");
            }
        }

        private void invariants() {
            if (follower == null || follower.dead() || follower.replicas == null) {
                return;
            }
            for (Partition f : follower.replicas.partitions()) {
                Partition l = leader.replicas.partition(f.topic(), f.index());
                if (f.logEndOffset() > l.logEndOffset()) {
                    throw new AssertionError(f.name() + ": the follower's log ends at " + f.logEndOffset()
                            + ", past the leader's " + l.logEndOffset());
                }
                if (f.highWatermark() > l.highWatermark() || f.highWatermark() > f.logEndOffset()) {
                    throw new AssertionError(f.name() + ": the follower's high watermark " + f.highWatermark()
                            + " is past the leader's " + l.highWatermark() + " or its own log end "
                            + f.logEndOffset());
                }
                Long before = followerHw.put(f.name(), f.highWatermark());
                if (before != null && before > f.highWatermark()) {
                    throw new AssertionError(f.name() + ": the follower's high watermark went back from " + before
                            + " to " + f.highWatermark());
                }
                if (f.logStartOffset() > l.logStartOffset()) {
                    throw new AssertionError(f.name() + ": the follower's log starts at " + f.logStartOffset()
                            + ", past the leader's " + l.logStartOffset());
                }
            }
        }

        /** The follower's every log is a byte-identical prefix of its leader's (whole batches, same offsets). */
        private void checkFollower() {
            if (follower.dead()) {
                return;
            }
            for (Log fl : follower.logs.logs()) {
                PartitionModel m = models.get(fl.name());
                long next = fl.logStartOffset();
                while (next < fl.logEndOffset()) {
                    ReadResult r = fl.read(next, 1 << 20, Long.MAX_VALUE, true);
                    try {
                        m.check(r.records(), next, Long.MAX_VALUE);
                        next = PartitionModel.lastOffsetOf(r.records()) + 1;
                    } finally {
                        r.release();
                    }
                }
            }
        }

        private boolean caughtUp() {
            if (follower.dead() || follower.replicas == null) {
                return false;
            }
            for (Partition l : leader.replicas.partitions()) {
                Partition f = follower.replicas.partition(l.topic(), l.index());
                if (f == null || f.logEndOffset() != l.logEndOffset() || f.highWatermark() != l.highWatermark()
                        || f.logStartOffset() != l.logStartOffset()) {
                    return false;
                }
            }
            countFetcher();
            coverage.merge("batches replicated", batchesReplicated, Long::sum);
            coverage.merge("records deleted on the leader", deletes, Long::sum);
            coverage.merge("fetch out of range", outOfRange, Long::sum);
            coverage.merge("incremental fetches", incrementalFetches, Long::sum);
            coverage.merge("fetch session resets", sessionResets, Long::sum);
            if (fetchFailures > 0) {
                count("fetch failed");
            }
            return true;
        }

        private static ReplicaFetcherManager.Settings settings(Random random, short version) {
            return new ReplicaFetcherManager.Settings(1 + random.nextInt(2), 32 * 1024, 1 << 20, 200, 1, 50,
                    version, (short) 7);
        }

        private String logEnds() {
            StringBuilder sb = new StringBuilder();
            for (Partition l : leader.replicas.partitions()) {
                Partition f = follower.replicas.partition(l.topic(), l.index());
                sb.append(l.name()).append(' ').append(l.logEndOffset()).append('/')
                        .append(f == null ? "-" : String.valueOf(f.logEndOffset()));
                if (f != null && (f.highWatermark() != l.highWatermark() || f.logStartOffset() != l.logStartOffset())) {
                    sb.append(" (high watermark ").append(l.highWatermark()).append('/').append(f.highWatermark())
                            .append(", log start ").append(l.logStartOffset()).append('/')
                            .append(f.logStartOffset()).append(')');
                }
                sb.append(' ');
            }
            return sb.toString();
        }
    }
}
