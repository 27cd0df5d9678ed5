package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataLoader;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.record.ProducerIdsRecord;
import io.samsa.metadata.record.RegisterBrokerRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.raft.Batch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.raft.Snapshot;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash points through today's single voter and the controller, wired as the broker wires them (server's
 * {@code BrokerMetadata}: the Raft log, {@code Controller.start}, a {@link MetadataLoader} fed by the log), on a
 * {@link SimDisk} with every thread a simulated executor. Random admin operations (create and delete topics, add
 * partitions, alter configs, register brokers, allocate producer-id blocks) run against the controller; small
 * segments and snapshot thresholds make the log roll, snapshot and trim all the time. The disk crashes at a seeded
 * operation (an append, a force, a snapshot write, a trim, a quorum-state write, a recovery, a clean close) or
 * between operations; the node restarts from what the disk kept and is checked:
 *
 * <ul>
 *   <li>every committed batch any listener saw is still there, unchanged (so every operation that was answered
 *       is: its answer waited for its commit), and the high watermark covers every answered operation;</li>
 *   <li>the snapshot loaded at start equals the image rebuilt from the batches it replaces;</li>
 *   <li>the broker's image (the loader's) and the controller's equal the image rebuilt from the committed
 *       records, each applied once;</li>
 *   <li>nothing was applied twice: each answered topic creation has one TopicRecord, each answered broker
 *       registration its record at its epoch, and no two answered producer-id blocks overlap.</li>
 * </ul>
 *
 * <p>{@code mvn verify} runs {@value #CI_SEEDS} seeds; {@code -Psim} thousands; {@code -Dsim.seed=N} replays one.
 */
class ControllerCrashSimulationTest {
    static final int CI_SEEDS = 300;
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/sim/metadata");
    private static final List<Endpoint> ENDPOINTS = List.of(new Endpoint("PLAINTEXT", "localhost", 9092, "PLAINTEXT"));

    @Test
    void answeredOperationsSurviveCrashes() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = Simulation.forEachSeed("ControllerCrashSimulationTest", CI_SEEDS,
            seed -> new Run(seed, coverage).run());
        System.out.println("ControllerCrashSimulationTest: " + summary.seeds() + " seeds from " + summary.firstSeed()
            + " in " + summary.elapsedMs() + " ms, " + coverage);
        if (summary.seeds() >= 100) {
            coverage.assertCovered();
        }
    }

    /** Where the crashes fell: "phase: OP file-kind" -> count. */
    static final class Coverage {
        final TreeMap<String, Integer> points = new TreeMap<>();
        long crashes;
        long answered;
        long restarts;

        void record(SimDisk.CrashPoint at, String phase) {
            crashes++;
            String key = at == null ? "between operations" : at.op() + " " + kind(at.path());
            points.merge(phase + ": " + key, 1, Integer::sum);
        }

        static String kind(Path p) {
            String n = p.getFileName().toString();
            if (n.startsWith("quorum-state")) {
                return n;
            }
            if (n.endsWith(".checkpoint.part") || n.endsWith(".checkpoint")) {
                return n.substring(n.indexOf('.'));
            }
            if (n.startsWith("recovery-point") || n.startsWith("log-start") || n.startsWith("leader-epoch")) {
                return n.endsWith(".tmp") ? "checkpoint.tmp" : "checkpoint";
            }
            return n.contains(".") && !n.startsWith("__") ? n.substring(n.indexOf('.')) : "directory";
        }

        int count(String suffix) {
            int n = 0;
            for (Map.Entry<String, Integer> e : points.entrySet()) {
                if (e.getKey().endsWith(suffix)) {
                    n += e.getValue();
                }
            }
            return n;
        }

        /** The crash points the test claims to reach: appends, forces, snapshots, trims, quorum-state writes. */
        void assertCovered() {
            String[] wanted = {"WRITE .log", "FORCE .log", "CREATE .log", "WRITE .checkpoint.part",
                "FORCE .checkpoint.part", "MOVE .checkpoint.part", "MOVE .log", "DELETE .checkpoint",
                "WRITE quorum-state.tmp", "FORCE quorum-state.tmp", "MOVE quorum-state.tmp", "FORCE_DIRECTORY directory",
                "between operations"};
            for (String w : wanted) {
                assertTrue(count(w) > 0, "no crash at " + w + ": " + points);
            }
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("start:")), "no crash at start: " + points);
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("close:")), "no crash in a close: " + points);
        }

        @Override
        public String toString() {
            return crashes + " crashes, " + restarts + " restarts, " + answered + " operations answered; crash points "
                + points;
        }
    }

    /** One node's life between two crashes: its threads, log, controller and loader. */
    private static final class World {
        final int life;
        final SimExecutor raftThread;
        final SimExecutor controllerThread;
        final SimExecutor loaderThread;
        final SimExecutor flusher;
        RaftClient<Message> raft;
        Controller controller;
        MetadataLoader loader;
        /** What the log replayed and committed in this life: the snapshot loaded, then batches in order. */
        Snapshot<Message> snapshot;
        final List<Batch<Message>> batches = new ArrayList<>();
        boolean dead;

        World(SimScheduler s, int life) {
            this.life = life;
            raftThread = s.executor("raft-" + life);
            controllerThread = s.executor("controller-" + life);
            loaderThread = s.executor("metadata-" + life);
            flusher = s.executor("flusher-" + life);
        }

        void kill() {
            dead = true;
            raftThread.kill();
            controllerThread.kill();
            loaderThread.kill();
            flusher.kill();
        }
    }

    /** One seed's run. */
    private static final class Run {
        private static final int MAX_OPERATIONS = 300;
        private static final String[] TOPICS = {"t0", "t1", "t2", "t3", "t4", "t5", "t.6", "t_6"};

        final Coverage coverage;
        final Random random;
        final SimScheduler scheduler;
        final SimDisk disk;
        final RaftLogConfig logConfig;
        final long snapshotMaxRecords;
        /** Every committed batch a listener saw, in any life, by base offset. */
        final TreeMap<Long, Batch<Message>> history = new TreeMap<>();
        /** The end of {@link #history}: everything below it was seen committed. */
        long historyEnd;
        /** The highest offset an answered operation committed at (or read). */
        long answeredOffset = -1;
        final List<ProducerIdBlock> blocks = new ArrayList<>();
        World world;
        int lives;
        int operations;

        Run(long seed, Coverage coverage) {
            this.coverage = coverage;
            this.random = Simulation.random(seed);
            this.scheduler = new SimScheduler(random, T0);
            this.disk = new SimDisk(random, scheduler.clock()).strictNames(random.nextInt(4) == 0);
            int segment = pick(1024, 4096, 65536);
            this.logConfig = new RaftLogConfig(segment, segment, 1 + random.nextInt(2), pick(10, 100));
            this.snapshotMaxRecords = pick(3, 10, 40, 100_000);
            disk.onCrash(() -> {
                if (world != null) {
                    world.kill();
                }
            });
        }

        private int pick(int... options) {
            return options[random.nextInt(options.length)];
        }

        void run() throws Exception {
            int crashesWanted = 2 + random.nextInt(5);
            while (true) {
                World w = new World(scheduler, lives++);
                world = w;
                if (random.nextInt(3) == 0) {
                    disk.crashAtOperation(disk.operations() + 1 + random.nextInt(pick(8, 25, 80)));
                }
                try {
                    start(w);
                } catch (SimulatedCrash c) {
                    crashed("start");
                    continue;
                }
                if (w.dead) {
                    crashed("start");
                    continue;
                }
                disk.crashAtOperation(-1);
                coverage.restarts++;
                verifyRecovered(w);
                if (disk.crashes() >= crashesWanted || operations >= MAX_OPERATIONS) {
                    w.kill();
                    return;
                }
                disk.crashAtOperation(disk.operations() + 1 + random.nextInt(pick(20, 100, 400, 2000)));
                String phase = workload(w);
                crashed(phase);
            }
        }

        private void crashed(String phase) {
            coverage.record(disk.lastCrash(), phase);
            world.kill();
            disk.restart();
        }

        /** Opens the log, starts the controller and the loader as the broker does; returns once all is loaded. */
        private void start(World w) throws Exception {
            RaftLog log = RaftLog.open(DATA, logConfig, scheduler.clock(), w.raftThread, disk, w.flusher, w.flusher);
            w.raft = RaftClient.singleVoter(1, log, MetadataLogSerde.INSTANCE, w.raftThread, scheduler.clock(),
                logConfig.maxBatchBytes());
            w.raft.register(new Recorder(w));
            ControllerConfig config = ControllerConfig.builder(1).clusterId("sim-cluster-id-000000")
                .clock(scheduler.clock()).staticProps(Map.of("num.partitions", "2"))
                .snapshotMaxRecords(snapshotMaxRecords).uuids(() -> new UUID(random.nextLong(), random.nextLong()))
                .build();
            CompletableFuture<Controller> started = Controller.start(config, w.raft, w.controllerThread);
            scheduler.runUntil(() -> w.dead || started.isDone());
            if (w.dead) {
                return;
            }
            w.controller = started.join();
            w.loader = new MetadataLoader("sim-" + w.life, w.loaderThread, 10, 1000);
            w.raft.register(new io.samsa.controller.MetadataLoaderFeed(w.loader));
            CompletableFuture<Void> loaded = w.loader.awaitPublished(w.raft.highWatermark() - 1);
            scheduler.runUntil(() -> w.dead || loaded.isDone());
        }

        /** Records what the log hands its listeners in this life, and adds commits to the history. */
        private final class Recorder implements RaftClient.Listener<Message> {
            final World w;

            Recorder(World w) {
                this.w = w;
            }

            @Override
            public void handleCommit(Batch<Message> batch) {
                if (w.dead) {
                    return;
                }
                Batch<Message> last = w.batches.isEmpty() ? null : w.batches.get(w.batches.size() - 1);
                long floor = last != null ? last.lastOffset() : w.snapshot != null ? w.snapshot.id().endOffset() - 1
                    : -1;
                if (batch.baseOffset() <= floor) {
                    throw new AssertionError("Batch at " + batch.baseOffset() + " told after offset " + floor
                        + " (told twice or out of order)");
                }
                w.batches.add(batch);
                Batch<Message> known = history.get(batch.baseOffset());
                if (known != null) {
                    sameBatch(known, batch);
                } else if (batch.baseOffset() < historyEnd) {
                    throw new AssertionError("Batch at " + batch.baseOffset() + " is committed now but was not among"
                        + " the batches committed below " + historyEnd);
                } else {
                    history.put(batch.baseOffset(), batch);
                    historyEnd = batch.lastOffset() + 1;
                }
            }

            @Override
            public void handleLoadSnapshot(Snapshot<Message> snapshot) {
                if (w.dead) {
                    return;
                }
                if (w.snapshot != null || !w.batches.isEmpty()) {
                    throw new AssertionError("Snapshot " + snapshot.id() + " loaded after the replay began");
                }
                w.snapshot = snapshot;
            }
        }

        private static void sameBatch(Batch<Message> expected, Batch<Message> actual) {
            if (expected.epoch() != actual.epoch() || !expected.records().equals(actual.records())) {
                throw new AssertionError("The committed batch at offset " + expected.baseOffset() + " changed: epoch "
                    + expected.epoch() + " " + expected.records() + " became epoch " + actual.epoch() + " "
                    + actual.records());
            }
        }

        /** The image of every history batch up to {@code endOffset} (exclusive), each applied once. */
        private MetadataImage rebuild(long endOffset) {
            MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
            for (Batch<Message> b : history.headMap(endOffset).values()) {
                if (b.lastOffset() >= endOffset) {
                    throw new AssertionError("The batch at " + b.baseOffset() + " straddles offset " + endOffset);
                }
                delta.replay(b.records(), b.baseOffset(), b.epoch());
            }
            return delta.apply();
        }

        private void verifyRecovered(World w) {
            long hw = w.raft.highWatermark();
            if (hw < historyEnd) {
                throw new AssertionError("Committed batches lost: the log commits up to " + hw + ", but offsets up to "
                    + historyEnd + " were committed before; last crash " + disk.lastCrash());
            }
            if (hw <= answeredOffset) {
                throw new AssertionError("An answered operation at offset " + answeredOffset + " is lost: the log"
                    + " commits up to " + hw);
            }
            long from = 0;
            if (w.snapshot != null) {
                long end = w.snapshot.id().endOffset();
                MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
                d.replaySnapshot(w.snapshot.records(), end, w.snapshot.id().epoch());
                MetadataImage expected = rebuild(end);
                if (!d.apply().sameContent(expected)) {
                    throw new AssertionError("Snapshot " + w.snapshot.id() + " differs from the committed records"
                        + " below it: " + d.apply() + " vs " + expected);
                }
                from = end;
            }
            // Every batch committed before, from the replay's start, was replayed (the recorder checked equality).
            long expectedNext = from;
            for (Batch<Message> b : history.tailMap(from).values()) {
                if (b.baseOffset() >= hw) {
                    break;
                }
                expectedNext = b.baseOffset();
                boolean found = false;
                for (Batch<Message> r : w.batches) {
                    if (r.baseOffset() == expectedNext) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    throw new AssertionError("The committed batch at " + expectedNext + " was not replayed");
                }
            }
            MetadataImage expected = rebuild(hw);
            MetadataImage loaded = w.loader.image();
            if (loaded.offset() != hw - 1 || !loaded.sameContent(expected)) {
                throw new AssertionError("The broker's image " + loaded + " differs from the committed records' "
                    + expected);
            }
            MetadataImage controllers = ((QuorumController) w.controller).image();
            if (controllers.offset() != hw - 1 || !controllers.sameContent(expected)) {
                throw new AssertionError("The controller's image " + controllers + " differs from the committed"
                    + " records' " + expected);
            }
        }

        // ---------------------------------------------------------------- the workload

        /** Runs operations until the disk crashes; returns the phase it crashed in. */
        private String workload(World w) {
            while (!disk.isCrashed()) {
                operations++;
                int r = random.nextInt(100);
                if (operations >= MAX_OPERATIONS || r < 3) {
                    disk.crash();
                    return "workload";
                }
                if (r < 6) {
                    return cleanClose(w);
                }
                if (r < 30) {
                    createTopics(w);
                } else if (r < 40) {
                    deleteTopics(w);
                } else if (r < 50) {
                    createPartitions(w);
                } else if (r < 62) {
                    alterConfigs(w);
                } else if (r < 72) {
                    registerBroker(w);
                } else if (r < 84) {
                    allocateProducerIds(w);
                } else if (r < 88) {
                    CompletableFuture<Long> f = ((QuorumController) w.controller).snapshot();
                    f.whenComplete((v, e) -> { });
                } else {
                    scheduler.runFor(random.nextInt(300));
                }
                scheduler.runFor(random.nextInt(6));
            }
            return "workload";
        }

        /** Lets everything queued finish, then closes as the broker does (a crash may still hit the close). */
        private String cleanClose(World w) {
            scheduler.runFor(500);
            if (disk.isCrashed()) {
                return "workload";
            }
            w.loader.close();
            w.controller.close();
            w.raftThread.execute(w.raft::close);
            scheduler.runFor(200);
            if (!disk.isCrashed()) {
                disk.crash();
            }
            return "close";
        }

        /** Counts an answer of the live world: its offset must survive every later crash. */
        private <T> void answered(World w, CompletableFuture<Committed<T>> op, java.util.function.Consumer<Committed<T>> check) {
            op.thenCompose(c -> w.loader.awaitPublished(c.offset()).thenApply(v -> c)).whenComplete((c, e) -> {
                if (e != null || w.dead || world != w) {
                    return;
                }
                coverage.answered++;
                answeredOffset = Math.max(answeredOffset, c.offset());
                check.accept(c);
            });
        }

        private String topic() {
            return TOPICS[random.nextInt(TOPICS.length)];
        }

        private void createTopics(World w) {
            int n = 1 + random.nextInt(3);
            List<CreateTopicRequest> topics = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Map<String, String> configs = random.nextInt(4) == 0 ? Map.of("retention.ms", "" + random.nextInt(1000))
                    : Map.of();
                topics.add(new CreateTopicRequest(topic(), random.nextInt(5) - 1, random.nextInt(3) - 1, Map.of(),
                    configs));
            }
            boolean validateOnly = random.nextInt(10) == 0;
            answered(w, w.controller.createTopics(topics, validateOnly), c -> {
                for (CreateTopicResult r : c.value()) {
                    if (r.error() == ErrorCode.NONE && !validateOnly) {
                        expectOnce(c.offset(), m -> m instanceof TopicRecord t && t.topicId().equals(r.topicId())
                            && t.name().equals(r.name()), "TopicRecord for " + r.name() + " " + r.topicId());
                    }
                }
            });
        }

        private void deleteTopics(World w) {
            List<TopicRef> refs = new ArrayList<>();
            MetadataImage image = w.loader.image();
            if (random.nextBoolean() && !image.topicsByName().isEmpty()) {
                List<TopicImage> known = new ArrayList<>(new TreeMap<>(image.topicsByName()).values());
                refs.add(TopicRef.byId(known.get(random.nextInt(known.size())).id()));
            } else {
                refs.add(TopicRef.byName(topic()));
            }
            answered(w, w.controller.deleteTopics(refs), c -> { });
        }

        private void createPartitions(World w) {
            List<CreatePartitionsRequest> req = List.of(new CreatePartitionsRequest(topic(), 1 + random.nextInt(6),
                null));
            answered(w, w.controller.createPartitions(req, random.nextInt(10) == 0), c -> { });
        }

        private void alterConfigs(World w) {
            ConfigResource resource = random.nextInt(4) == 0 ? ConfigResource.broker(1 + random.nextInt(3))
                : ConfigResource.topic(topic());
            String key = resource.type() == ConfigResource.Type.TOPIC
                ? (random.nextBoolean() ? "retention.ms" : "cleanup.policy") : "log.retention.ms";
            String value = key.equals("cleanup.policy") ? (random.nextBoolean() ? "compact" : "delete")
                : Integer.toString(random.nextInt(100_000));
            AlterConfigOp op = random.nextInt(4) == 0 ? AlterConfigOp.delete(key) : AlterConfigOp.set(key, value);
            boolean incremental = random.nextInt(3) != 0;
            List<AlterConfigsRequest> req = List.of(new AlterConfigsRequest(resource,
                incremental || op.op() == AlterConfigOp.OpType.SET ? List.of(op) : List.of()));
            answered(w, incremental ? w.controller.incrementalAlterConfigs(req, false)
                : w.controller.alterConfigs(req, false), c -> { });
        }

        private void registerBroker(World w) {
            int id = 1 + random.nextInt(3);
            java.util.UUID incarnation = new java.util.UUID(random.nextLong(), random.nextLong());
            answered(w, w.controller.registerBroker(new BrokerRegistrationRequest(id, null, incarnation, ENDPOINTS,
                java.util.Map.of(), random.nextBoolean() ? null : "rack-" + id)), c -> {
                BrokerRegistration reg = c.value();
                Batch<Message> b = history.floorEntry(c.offset()).getValue();
                if (b.lastOffset() != c.offset() || !(b.records().get(0) instanceof RegisterBrokerRecord r)
                        || r.brokerId() != id || r.brokerEpoch() != reg.brokerEpoch()
                        || reg.brokerEpoch() != b.baseOffset()) {
                    throw new AssertionError("Broker " + id + " registered with epoch " + reg.brokerEpoch()
                        + " at offset " + c.offset() + ", but the log holds " + b);
                }
                // Its first heartbeat, as a starting broker sends once it has loaded its registration: it
                // unfences, so topic creations get replicas and write partition records.
                answered(w, w.controller.brokerHeartbeat(new BrokerHeartbeatRequest(id, reg.brokerEpoch(),
                    c.offset(), false, false)), h -> { });
            });
        }

        private void allocateProducerIds(World w) {
            MetadataImage image = w.loader.image();
            int id = 1 + random.nextInt(3);
            BrokerRegistration reg = image.broker(id);
            long epoch = reg == null || random.nextInt(8) == 0 ? random.nextInt(5) : reg.brokerEpoch();
            answered(w, w.controller.allocateProducerIds(id, epoch), c -> {
                ProducerIdBlock block = c.value();
                for (ProducerIdBlock other : blocks) {
                    if (block.firstProducerId() < other.nextBlockStart()
                            && other.firstProducerId() < block.nextBlockStart()) {
                        throw new AssertionError("Producer id block " + block + " overlaps " + other
                            + " handed out before");
                    }
                }
                blocks.add(block);
                expectOnce(c.offset(), m -> m instanceof ProducerIdsRecord p
                    && p.nextProducerId() == block.nextBlockStart(), "ProducerIdsRecord ending at "
                    + block.nextBlockStart());
            });
        }

        /** Exactly one committed record matches, in the batch that ends at {@code offset}. */
        private void expectOnce(long offset, java.util.function.Predicate<Message> match, String what) {
            int found = 0;
            for (Batch<Message> b : history.values()) {
                for (Message m : b.records()) {
                    if (match.test(m)) {
                        found++;
                        if (b.lastOffset() != offset) {
                            throw new AssertionError(what + " answered at offset " + offset + " is in the batch at "
                                + b.baseOffset());
                        }
                    }
                }
            }
            if (found != 1) {
                throw new AssertionError(what + " answered at offset " + offset + " is committed " + found
                    + " time(s)");
            }
        }
    }
}
