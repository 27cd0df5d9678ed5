package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.log.CleanerConfig;
import io.samsa.log.FileForcer;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.replication.HostingChange;
import io.samsa.replication.PartitionAssignment;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One seeded run of a coordinator over its internal topic's partition across power loss, shared by
 * {@link GroupCoordinatorPowerLossTest} and {@link TransactionCoordinatorPowerLossTest}. The partition is durable
 * ({@code flush.messages=1}) on a {@link SimDisk}; the coordinator writes through {@link PartitionCoordinatorIo}
 * (replication's {@code Partition.appendAsCoordinator} and {@code DelayedProduce}, acks=all on the partition's shard)
 * and loads by replaying the partition; every thread is a simulated executor (the shard, the replica manager's
 * hosting, the log's flusher, its timer and its deleter, the coordinator's event thread, the loader).
 *
 * <p>A workload of one request at a time runs until the disk crashes at a seeded operation (or between requests);
 * the next life recovers the log (a crash may hit the recovery, the hosting or the load too) and replays the
 * partition into a fresh coordinator. A coordinator replays a write's records into its state as it appends them, and
 * the log keeps a prefix of its batches after a crash, so the state right after each request (the shard's
 * {@code describeState}, read in the same drain of the coordinator's event queue as the request's event, so no other
 * thread or disk operation comes between) is the model: the recovered state must equal the state after some request
 * at or after the last one acknowledged. Nothing acknowledged is lost, every deletion before it stays applied, and
 * nothing appears that no request wrote. In half the seeds the log cleaner compacts the partition meanwhile (small
 * segments, tombstones kept 0 to 5 s): compaction must change no replayed state. Not thread-safe: the test's thread.
 */
abstract class CoordinatorPowerLossRun {
    static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final UUID TOPIC_ID = new UUID(5, 6);
    private static final int LIVES = 4;
    private static final int STEPS = 30;
    /**
     * Buffers a crash abandons are never released: a batch built for the partition's shard dies with the shard's
     * queue, as it would with the process. Not tracked by the leak detector, which would blame the dead life.
     */
    static final UnpooledByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final FileForcer NO_FSYNC = new FileForcer() {
        @Override
        public void force(FileChannel channel, Path file) {
        }

        @Override
        public void forceDirectory(Path dir) {
        }
    };

    /** What a run breaks on purpose (the controls). */
    enum Sabotage { NONE, NO_FSYNC, DROP_TOMBSTONES }

    /** Where the crashes fell, and how much was checked. */
    static final class Coverage {
        final TreeMap<String, Integer> points = new TreeMap<>();
        long crashes;
        long acked;
        long requests;
        long laterStates;
        long cleanerPasses;

        void record(SimDisk.CrashPoint at, String phase) {
            crashes++;
            String key = at == null ? "between requests" : at.op() + " " + kind(at.path());
            points.merge(phase + ": " + key, 1, Integer::sum);
        }

        static String kind(Path p) {
            String n = p.getFileName().toString();
            if (n.contains("checkpoint")) {
                return n.endsWith(".tmp") ? "checkpoint.tmp" : "checkpoint";
            }
            if (!n.contains(".") || n.startsWith("__")) {
                return "directory";
            }
            return n.substring(n.indexOf('.'));
        }

        void assertCovered() {
            for (String w : List.of("workload: WRITE .log", "workload: FORCE .log", "workload: CREATE .log",
                    "workload: WRITE checkpoint.tmp", "workload: between requests", "recovery:")) {
                assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith(w)), "no crash at " + w + ": "
                        + points);
            }
            assertTrue(laterStates > 0, "no unacknowledged request ever survived a crash: " + this);
            assertTrue(cleanerPasses > 0, "the cleaner never compacted a partition: " + this);
        }

        @Override
        public String toString() {
            return crashes + " crashes, " + requests + " requests, " + acked + " acknowledged, " + laterStates
                    + " recoveries found an unacknowledged request's state, " + cleanerPasses + " cleaning passes; "
                    + points;
        }
    }

    /** One life of the broker: its threads, its log manager and replica manager. */
    static final class Life {
        final List<SimExecutor> all = new ArrayList<>();
        final SimExecutor shard;
        final SimExecutor hosting;
        final SimExecutor flusher;
        final SimExecutor flusherTimer;
        final SimExecutor deleter;
        final SimExecutor events;
        final SimExecutor loader;
        final SimExecutor cleaner;
        LogManager logs;
        ReplicaManager replicas;

        Life(SimScheduler s, int n) {
            shard = add(s, "shard-" + n);
            hosting = add(s, "hosting-" + n);
            flusher = add(s, "flusher-" + n);
            flusherTimer = add(s, "flusher-timer-" + n);
            deleter = add(s, "deleter-" + n);
            events = add(s, "coordinator-" + n);
            loader = add(s, "loader-" + n);
            cleaner = add(s, "cleaner-" + n);
        }

        private SimExecutor add(SimScheduler s, String name) {
            SimExecutor e = s.executor(name);
            all.add(e);
            return e;
        }

        void kill() {
            all.forEach(SimExecutor::kill);
        }
    }

    /** One request of the workload: what it was, the state right after its event, whether it was answered. */
    static class Request {
        final String what;
        String stateAfter;
        boolean acked;

        Request(String what) {
            this.what = what;
        }

        @Override
        public String toString() {
            return what + (acked ? " (acked)" : "");
        }
    }

    final long seed;
    final Sabotage sabotage;
    final Coverage coverage;
    final SimScheduler scheduler;
    final SimDisk disk;
    final Random random;
    private final LogConfig logConfig;
    /** Whether the log cleaner compacts the partition while the coordinator writes (half the seeds). */
    private final boolean compacting;
    private final String topic;
    Life life;
    private int lives;
    private String phase;
    /** The state the current life loaded, then one entry per request since. */
    final List<Request> requests = new ArrayList<>();
    String loadedState;

    CoordinatorPowerLossRun(String topic, long seed, Sabotage sabotage, Coverage coverage) {
        this.topic = topic;
        this.seed = seed;
        this.sabotage = sabotage;
        this.coverage = coverage;
        scheduler = new SimScheduler(Simulation.random(seed), T0);
        disk = new SimDisk(scheduler.random(), scheduler.clock());
        random = new Random(scheduler.random().nextLong());
        disk.strictNames(random.nextInt(4) == 0);
        disk.onCrash(() -> life.kill());
        compacting = random.nextBoolean();
        logConfig = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                LogConfig.SEGMENT_BYTES, String.valueOf(compacting ? new int[] {400, 1000}[random.nextInt(2)]
                        : new int[] {600, 2000, 100_000}[random.nextInt(3)]),
                LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01",
                LogConfig.DELETE_RETENTION_MS, String.valueOf(new int[] {0, 50, 5_000}[random.nextInt(3)])));
    }

    /** Creates this life's coordinator on {@code io} (writes) and {@code loader} (loads), and elects it. */
    abstract void startCoordinator(PartitionCoordinatorIo io, CoordinatorLoader loader, int leaderEpoch);

    /** Reads the loaded partition's state on the coordinator's event thread. */
    abstract CompletableFuture<String> readState();

    /** One step of the workload. */
    abstract void step();

    /**
     * Checks the recovered coordinator beyond its state (what clients read back); returns a failure or null. The
     * requests of the previous life and the index of the last acknowledged one are given.
     */
    String checkClients(int lastAcked) {
        return null;
    }

    /** Lets the clients' model follow what the recovered coordinator holds. */
    void afterRecovery() {
    }

    /** Returns a failure, or null when every check held. */
    String run() throws Exception {
        for (int n = 0; n < LIVES; n++) {
            String failure = startAndCheck();
            if (failure != null) {
                return failure;
            }
            phase = "workload";
            try {
                disk.crashAtOperation(disk.operations() + 1 + random.nextInt(new int[] {20, 100, 400}
                        [random.nextInt(3)]));
                for (int step = 0; step < STEPS && !disk.isCrashed(); step++) {
                    step();
                }
            } catch (SimulatedCrash crash) {
                // The disk crashed in a call the test made itself.
            }
            if (life.logs.cleaner() != null) {
                coverage.cleanerPasses += life.logs.cleaner().stats().snapshot().passes();
            }
            if (disk.isCrashed()) {
                coverage.record(disk.lastCrash(), phase);
            } else {
                disk.crashAtOperation(-1);
                disk.crash();
                coverage.record(null, phase);
            }
            disk.restart();
        }
        return startAndCheck();
    }

    /** Starts a life (recovery, hosting, load; a crash in any starts it again), then checks the state. */
    private String startAndCheck() throws Exception {
        boolean armed = random.nextInt(3) == 0;
        while (true) {
            if (armed) {
                disk.crashAtOperation(disk.operations() + 1 + random.nextInt(30));
            }
            phase = "recovery";
            try {
                start();
                disk.crashAtOperation(-1);
                break;
            } catch (SimulatedCrash crash) {
                coverage.record(disk.lastCrash(), phase);
                disk.restart();
                armed = false;
            }
        }
        return check();
    }

    private void start() throws Exception {
        life = new Life(scheduler, lives++);
        Life l = life;
        LogManager.Builder b = LogManager.builder(DATA).disk(disk).clock(scheduler.clock())
                .scheduler(l.deleter).flusherExecutors(l.flusher, l.flusherTimer).flusherPollMs(10)
                .checkpointIntervalMs(random.nextBoolean() ? 0 : 50).configs(t -> logConfig)
                .deleteSuffixes(random);
        if (sabotage == Sabotage.NO_FSYNC) {
            b.forcer(NO_FSYNC);
        }
        if (compacting) {
            b.cleaner(CleanerConfig.DEFAULTS.withBackoffMs(20).withIoBufferBytes(2048))
                    .cleanerExecutors(List.of(l.cleaner));
        }
        l.logs = b.build();
        l.replicas = new ReplicaManager(1, l.logs, new ShardProxy(List.of(l.shard)), l.hosting, 600_000);
        l.replicas.start();
        int epoch = lives;
        CompletableFuture<Void> hosted = l.replicas.apply(new HostingChange(List.of(), List.of(
                new HostingChange.Topic(topic, TOPIC_ID, 1, logConfig, 1, List.of(
                        new PartitionAssignment(0, 1, epoch, epoch, List.of(1), List.of(1))))), true));
        runUntil(hosted::isDone);
        PartitionCoordinatorIo io = new PartitionCoordinatorIo(topic, l.replicas, scheduler.clock(), l.loader,
                UNTRACKED);
        CoordinatorLoader loader = sabotage == Sabotage.DROP_TOMBSTONES
                ? (partition, sink) -> io.load(partition, (offset, key, value) -> {
                    if (value != null) {
                        sink.accept(offset, key, value);
                    }
                })
                : io;
        startCoordinator(io, loader, epoch);
        while (true) {
            CompletableFuture<String> state = readState();
            runUntil(state::isDone);
            if (!state.isCompletedExceptionally()) {
                loadedState = state.join();
                break;
            }
            scheduler.runFor(5);
        }
    }

    /** Runs the node until {@code done} holds; a crash of the disk unwinds the caller. */
    void runUntil(Supplier<Boolean> done) {
        scheduler.runUntil(() -> disk.isCrashed() || done.get());
        if (disk.isCrashed()) {
            throw new SimulatedCrash("crashed while waiting");
        }
    }

    /** The loaded state against the requests of the previous life. */
    private String check() {
        if (!requests.isEmpty()) {
            int lastAcked = 0;
            for (int i = 0; i < requests.size(); i++) {
                if (requests.get(i).acked) {
                    lastAcked = i;
                }
            }
            int match = -1;
            for (int i = lastAcked; i < requests.size() && match < 0; i++) {
                if (loadedState.equals(requests.get(i).stateAfter)) {
                    match = i;
                }
            }
            if (match < 0) {
                return "seed " + seed + ": the recovered state matches no request at or after the last "
                        + "acknowledged one (" + requests.get(lastAcked) + ")\n"
                        + "recovered: " + loadedState + "\nrequests: " + describe(requests);
            }
            if (match > lastAcked) {
                coverage.laterStates++;
            }
            String failure = checkClients(lastAcked);
            if (failure != null) {
                return failure;
            }
            afterRecovery();
        }
        requests.clear();
        Request base = new Request("loaded");
        base.stateAfter = loadedState;
        base.acked = true;
        requests.add(base);
        return null;
    }

    private static String describe(List<Request> requests) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < requests.size(); i++) {
            sb.append("\n  ").append(i).append(' ').append(requests.get(i)).append(" -> ")
                    .append(requests.get(i).stateAfter);
        }
        return sb.toString();
    }

    /**
     * Records {@code r}, whose event the caller has just queued, with the state after it: read in the same drain of
     * the coordinator's event queue, after whatever that event queued in turn (offset expiry queues its write).
     */
    void capture(Request r) {
        coverage.requests++;
        requests.add(r);
        CompletableFuture<String> state = readState().thenCompose(x -> readState());
        runUntil(state::isDone);
        r.stateAfter = state.isCompletedExceptionally() ? null : state.join();
    }

    /** Sends a request, captures the state after it, and waits for its answer; acknowledged when {@code ok}. */
    <T> void request(Request r, Supplier<CompletableFuture<T>> send, Predicate<T> ok) {
        CompletableFuture<T> answer = send.get();
        capture(r);
        awaitAnswer(answer);
        if (!answer.isCompletedExceptionally() && ok.test(answer.join())) {
            r.acked = true;
            coverage.acked++;
        }
    }

    /** Runs until {@code answer} is done (a coordinator that waits on something else overrides it). */
    void awaitAnswer(CompletableFuture<?> answer) {
        runUntil(answer::isDone);
    }

    /** A test's default loop over the seeds: fails with the first failure, returns the coverage. */
    static Simulation.Summary forEachSeed(String name, int seeds, Coverage coverage, RunFactory factory) {
        return Simulation.forEachSeed(name, seeds, seed -> {
            String failure = factory.create(seed, Sabotage.NONE, coverage).run();
            if (failure != null) {
                throw new AssertionError(failure);
            }
        });
    }

    /** Whether a control's sabotage makes one of the first {@code seeds} seeds fail (printing the failure). */
    static boolean someSeedFails(String name, int seeds, Sabotage sabotage, RunFactory factory) {
        for (long seed = 1; seed <= seeds; seed++) {
            try {
                String failure = factory.create(seed, sabotage, new Coverage()).run();
                if (failure != null) {
                    System.out.println(name + " control " + sabotage + ": " + failure);
                    return true;
                }
            } catch (AssertionError e) {
                System.out.println(name + " control " + sabotage + ": " + e);
                return true;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return false;
    }

    /** Makes a run of one seed. */
    @FunctionalInterface
    interface RunFactory {
        CoordinatorPowerLossRun create(long seed, Sabotage sabotage, Coverage coverage);
    }
}
