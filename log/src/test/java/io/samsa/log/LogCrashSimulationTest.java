package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.samsa.log.segment.ControlBatch;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.record.RecordBatchView;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash points through one partition's log with {@code flush.messages=1}: the log runs on a {@link SimDisk} with its
 * writer (the partition's shard), flusher and deleter on simulated executors, all on this thread in an order drawn
 * from the seed. A workload appends batches of many sizes from idempotent, transactional and plain producers, with
 * commit and abort markers and leader epoch changes (segment rolls, producer snapshots, index growth, checkpoints,
 * retention and DeleteRecords moving the log start, clean restarts); an append is acknowledged only when its durable
 * future completes. The disk crashes at a seeded operation (in an append, a force, a checkpoint, a roll, a snapshot,
 * a rename, a recovery, a clean close) or between steps, keeping what a real disk may keep; the log is reopened
 * (recovered) and checked by {@link LogModel#verifyRecovered}: every acknowledged batch is there, byte-identical, in
 * order, offsets dense, no torn batch served, the log end at least the acknowledged end, leader epochs, aborted
 * transactions, the first unstable offset and timestamp lookups right; and retries of each producer's last batches
 * are still recognised as duplicates. After every task: the log end never goes back, and nothing acknowledged lies
 * above the recovery point.
 *
 * <p>{@code mvn verify} runs {@value #CI_SEEDS} seeds (a few crashes each); {@code -Psim} runs thousands;
 * {@code -Dsim.seed=N} replays one. See docs/simulation.md.
 */
class LogCrashSimulationTest {
    static final int CI_SEEDS = 500;
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/sim/data");
    private static final String TOPIC = "t";

    @Test
    void acknowledgedAppendsSurviveCrashesAtEveryKindOfOperation() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = Simulation.forEachSeed("LogCrashSimulationTest", CI_SEEDS,
                seed -> new Run(seed, coverage).run());
        System.out.println("LogCrashSimulationTest: " + summary.seeds() + " seeds from " + summary.firstSeed() + " in "
                + summary.elapsedMs() + " ms, " + coverage);
        if (summary.seeds() >= 100) {
            coverage.assertCovered();
        }
    }

    /** Where the crashes fell: "phase OP file-kind" -> count. */
    static final class Coverage {
        final TreeMap<String, Integer> points = new TreeMap<>();
        long crashes;
        long acked;
        long appended;

        void record(SimDisk.CrashPoint at, String phase) {
            crashes++;
            String key = at == null ? "between operations" : at.op() + " " + kind(at.path());
            points.merge(phase + ": " + key, 1, Integer::sum);
        }

        static String kind(Path p) {
            String n = p.getFileName().toString();
            if (n.startsWith("recovery-point") || n.startsWith("log-start") || n.startsWith("leader-epoch")) {
                return n.endsWith(".tmp") ? "checkpoint.tmp" : "checkpoint";
            }
            if (p.equals(DATA) || n.equals(DATA.getFileName().toString()) || !n.contains(".")
                    || n.matches(".*-\\d+")) {
                return "directory";
            }
            return n.substring(n.indexOf('.'));
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

        /** The crash points the test claims to reach, each at least once over a hundred seeds. */
        void assertCovered() {
            String[] wanted = {"WRITE .log", "FORCE .log", "CREATE .log", "SET_LENGTH .index", "SET_LENGTH .timeindex",
                "FORCE_MAPPING .index", "CREATE .snapshot", "WRITE .snapshot", "WRITE checkpoint.tmp",
                "FORCE checkpoint.tmp", "MOVE checkpoint.tmp", "FORCE_DIRECTORY directory", "MOVE .log",
                "DELETE .log.deleted", "CREATE .clean-shutdown", "between operations"};
            for (String w : wanted) {
                assertTrue(count(w) > 0, "no crash at " + w + ": " + points);
            }
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("recovery:")), "no crash in recovery");
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("close:")), "no crash in a clean close");
        }

        @Override
        public String toString() {
            return crashes + " crashes, " + appended + " batches appended, " + acked + " acknowledged; crash points "
                    + points;
        }
    }

    /** A producer as the client sees it. */
    private static final class Producer {
        final long id;
        final boolean transactional;
        short epoch;
        int nextSeq;
        boolean inTransaction;
        /** The first offset of the open transaction. */
        long txnFirst = -1;

        Producer(long id, boolean transactional) {
            this.id = id;
            this.transactional = transactional;
        }
    }

    /** One seed's run. */
    private static final class Run {
        private static final int MAX_STEPS = 400;

        final Coverage coverage;
        final Random random;
        final SimScheduler scheduler;
        final SimDisk disk;
        final LogModel model = new LogModel();
        final LogConfig config;
        final long pollMs;
        final long checkpointMs;
        final int maxRecords;
        final int maxValueBytes;
        final List<Producer> producers = new ArrayList<>();
        final List<Producer> transactional = new ArrayList<>();
        int leaderEpoch = 3;
        /** The highest offset a DeleteRecords or a retention pass was allowed to move the log start to. */
        long startAllowed;
        World world;
        int worlds;
        int steps;

        Run(long seed, Coverage coverage) {
            this.coverage = coverage;
            this.random = Simulation.random(seed);
            this.scheduler = new SimScheduler(random, T0);
            this.disk = new SimDisk(random, scheduler.clock()).strictNames(random.nextInt(4) == 0);
            Map<String, String> props = new HashMap<>();
            props.put(LogConfig.FLUSH_MESSAGES, "1");
            props.put(LogConfig.SEGMENT_BYTES, pick("700", "1500", "4000", "16384", "100000"));
            props.put(LogConfig.INDEX_INTERVAL_BYTES, pick("0", "100", "700", "4096"));
            props.put(LogConfig.SEGMENT_INDEX_BYTES, pick("96", "4096", "10485760"));
            props.put(LogConfig.RETENTION_BYTES, pick("-1", "3000", "30000"));
            props.put(LogConfig.RETENTION_MS, pick("-1", "604800000", "3000"));
            props.put(LogConfig.FILE_DELETE_DELAY_MS, pick("0", "20", "1000"));
            this.config = LogConfig.fromMap(props);
            this.pollMs = random.nextBoolean() ? 5 : 50;
            this.checkpointMs = random.nextBoolean() ? 20 : 2000;
            this.maxRecords = 1 + random.nextInt(random.nextBoolean() ? 4 : 60);
            this.maxValueBytes = random.nextBoolean() ? 10 : 300;
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                producers.add(new Producer(1000 + i, false));
            }
            n = random.nextInt(3);
            for (int i = 0; i < n; i++) {
                transactional.add(new Producer(2000 + i, true));
            }
            disk.onCrash(() -> {
                if (world != null) {
                    world.kill();
                }
            });
            scheduler.addInvariant(this::invariants);
        }

        private String pick(String... options) {
            return options[random.nextInt(options.length)];
        }

        void run() throws Exception {
            int crashesWanted = 2 + random.nextInt(5);
            boolean clean = false;
            while (true) {
                World w = new World(worlds++);
                world = w;
                if (random.nextInt(4) == 0) {
                    disk.crashAtOperation(disk.operations() + 1 + random.nextInt(40));
                }
                try {
                    w.open();
                } catch (SimulatedCrash c) {
                    crashed("recovery");
                    clean = false;
                    continue;
                }
                disk.crashAtOperation(-1);
                List<LogModel.Batch> found = model.verifyRecovered(w.log, clean, startAllowed, random);
                checkDuplicates(w.log, found);
                resyncProducers(found);
                if (random.nextBoolean()) {
                    leaderEpoch++;
                }
                if (disk.crashes() >= crashesWanted || steps >= MAX_STEPS) {
                    w.kill();
                    return;
                }
                disk.crashAtOperation(disk.operations() + 1 + random.nextInt(pick3(30, 300, 3000)));
                clean = workload(w);
                if (!clean) {
                    crashed(w.closing ? "close" : "workload");
                }
            }
        }

        private int pick3(int a, int b, int c) {
            int r = random.nextInt(3);
            return r == 0 ? a : r == 1 ? b : c;
        }

        private void crashed(String phase) {
            coverage.record(disk.lastCrash(), phase);
            disk.restart();
        }

        /** Runs steps until the disk crashes (false) or the world closes cleanly (true). */
        private boolean workload(World w) {
            while (!disk.isCrashed()) {
                steps++;
                int r = random.nextInt(100);
                if (steps >= MAX_STEPS || r < 2) {
                    disk.crash();
                    return false;
                }
                if (r < 5) {
                    return cleanClose(w);
                }
                if (r < 60) {
                    w.writer.execute(() -> append(w));
                } else if (r < 70) {
                    w.writer.execute(() -> transaction(w));
                } else if (r < 72) {
                    leaderEpoch++;
                } else if (r < 80) {
                    w.writer.execute(() -> deleteRecords(w));
                } else if (r < 87) {
                    w.writer.execute(() -> retention(w));
                } else if (r < 92) {
                    w.writer.execute(() -> retry(w));
                } else if (r < 95) {
                    w.writer.execute(() -> readBack(w));
                } else {
                    scheduler.runFor(random.nextInt(3000));
                }
                scheduler.runFor(random.nextInt(4));
            }
            return false;
        }

        /** Drains the executors, then closes the manager (a crash may still hit the close). */
        private boolean cleanClose(World w) {
            scheduler.runUntil(() -> disk.isCrashed() || (w.writer.queued() == 0 && w.flusher.queued() == 0));
            if (disk.isCrashed()) {
                return false;
            }
            w.closing = true;
            try {
                w.manager.close();
            } catch (SimulatedCrash c) {
                return false;
            } catch (IOException e) {
                throw new AssertionError("A clean close failed", e);
            }
            w.kill();
            return true;
        }

        private void append(World w) {
            Producer p = producers.isEmpty() || random.nextInt(4) == 0 ? null
                    : producers.get(random.nextInt(producers.size()));
            if (p != null && random.nextInt(50) == 0) {
                p.epoch++;
                p.nextSeq = 0;
            }
            append(w, p);
        }

        /** A transactional producer's next step: a batch in its transaction, or a commit or abort marker. */
        private void transaction(World w) {
            if (transactional.isEmpty()) {
                return;
            }
            Producer p = transactional.get(random.nextInt(transactional.size()));
            if (!p.inTransaction || random.nextInt(3) != 0) {
                List<LogModel.Batch> batches = append(w, p);
                if (!p.inTransaction) {
                    p.inTransaction = true;
                    p.txnFirst = batches.get(0).base;
                }
                return;
            }
            boolean commit = random.nextBoolean();
            int epoch = leaderEpoch;
            ByteBuf marker = ControlBatch.marker(p.id, p.epoch, commit, 0, scheduler.nowMillis());
            List<LogModel.Batch> appended;
            try {
                RecordBatchView v = new RecordBatchView().wrap(marker, 0);
                v.setBaseOffset(w.log.logEndOffset());
                v.setPartitionLeaderEpoch(epoch);
                appended = model.appended(marker, 0, marker.writerIndex());
            } finally {
                marker.release();
            }
            appended.get(0).abort = !commit;
            appended.get(0).txnFirst = p.txnFirst;
            AppendResult r = w.log.appendTransactionMarker(p.id, p.epoch, commit, 0, epoch);
            if (r.firstOffset() != appended.get(0).base) {
                throw new AssertionError("A marker was written at " + r.firstOffset() + " instead of " + appended);
            }
            p.inTransaction = false;
            acknowledgeWhenDurable(w, r, appended);
        }

        /** Appends one to three batches of {@code p} (or of no producer when null); returns them. */
        private List<LogModel.Batch> append(World w, Producer p) {
            int batches = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
            ByteBuf[] parts = new ByteBuf[batches];
            int seq = p == null ? -1 : p.nextSeq;
            // Batches that fit a segment (the log refuses a larger append, RECORD_LIST_TOO_LARGE).
            int budget = config.segmentBytes() / batches - RecordBatchView.HEADER_SIZE;
            for (int i = 0; i < batches; i++) {
                String value = "v".repeat(random.nextInt(Math.min(maxValueBytes, budget / 4) + 1));
                int count = 1 + random.nextInt(Math.max(1, Math.min(maxRecords, budget / (value.length() + 30))));
                Compression compression = random.nextInt(10) == 0 ? Compression.gzip().build() : Compression.NONE;
                parts[i] = TestLogs.batch(scheduler.nowMillis(), count, value, p == null ? -1 : p.id,
                        p == null ? (short) -1 : p.epoch, seq, p != null && p.transactional, compression);
                if (p != null) {
                    seq += count;
                }
            }
            ByteBuf buf = TestLogs.concat(parts);
            try {
                // What the log will write: base offsets and the leader epoch rewritten (not under the CRC). Known to
                // the model before the append, which a crash may cut short after some bytes reached the page cache.
                ByteBuf expected = buf.copy();
                List<LogModel.Batch> appended;
                int epoch = leaderEpoch;
                try {
                    RecordBatchView v = new RecordBatchView();
                    long next = w.log.logEndOffset();
                    for (int pos = 0; pos < expected.writerIndex(); pos += v.sizeInBytes()) {
                        v.wrap(expected, pos);
                        v.setBaseOffset(next);
                        v.setPartitionLeaderEpoch(epoch);
                        next = v.nextOffset();
                    }
                    appended = model.appended(expected, 0, expected.writerIndex());
                } finally {
                    expected.release();
                }
                coverage.appended += appended.size();
                AppendResult r = w.log.appendAsLeader(buf, epoch);
                if (r.duplicate() || r.firstOffset() != appended.get(0).base
                        || r.lastOffset() != appended.get(appended.size() - 1).last) {
                    throw new AssertionError("Append of " + appended + " returned " + r.firstOffset() + ".."
                            + r.lastOffset() + (r.duplicate() ? " as a duplicate" : ""));
                }
                if (p != null) {
                    p.nextSeq = seq;
                }
                acknowledgeWhenDurable(w, r, appended);
                return appended;
            } finally {
                buf.release();
            }
        }

        private void acknowledgeWhenDurable(World w, AppendResult r, List<LogModel.Batch> appended) {
            r.durable().whenComplete((v, e) -> {
                if (e == null && world == w && !w.dead) {
                    model.acked(appended);
                    coverage.acked += appended.size();
                    w.ackedEnd = Math.max(w.ackedEnd, appended.get(appended.size() - 1).last + 1);
                }
            });
        }

        /**
         * How far DeleteRecords and retention may move the log start: the high watermark (everything forced, in
         * this durable mode), and never past an open transaction (a coordinator would still need it).
         */
        private long deletableBound(World w) {
            long hw = w.log.recoveryPoint();
            long unstable = w.log.firstUnstableOffset();
            return unstable >= 0 ? Math.min(hw, unstable) : hw;
        }

        private void deleteRecords(World w) {
            long start = w.log.logStartOffset();
            long end = Math.max(start, deletableBound(w));
            long target = start + (end > start ? (long) (random.nextDouble() * (end - start + 1)) : 0);
            startAllowed = Math.max(startAllowed, target);
            w.log.increaseLogStartOffset(target);
        }

        private void retention(World w) {
            long hw = deletableBound(w);
            startAllowed = Math.max(startAllowed, hw);
            w.log.deleteOldSegments(hw);
        }

        /** A client's retry of one of a producer's last five batches: a duplicate with the original offsets. */
        private void retry(World w) {
            List<LogModel.Batch> inLog = new ArrayList<>();
            long start = w.log.logStartOffset();
            for (LogModel.Batch b : model.written.tailMap(start, true).values()) {
                inLog.add(b);
            }
            Map<Long, List<LogModel.Batch>> last = LogModel.lastFivePerProducer(inLog);
            if (last.isEmpty()) {
                return;
            }
            List<List<LogModel.Batch>> all = new ArrayList<>(last.values());
            List<LogModel.Batch> mine = all.get(random.nextInt(all.size()));
            checkDuplicate(w.log, mine.get(random.nextInt(mine.size())));
        }

        /** Reads a random stretch back: whole batches, byte-identical to what was appended. */
        private void readBack(World w) {
            long start = w.log.logStartOffset();
            long end = w.log.logEndOffset();
            if (end <= start) {
                return;
            }
            long from = start + (long) (random.nextDouble() * (end - start));
            ReadResult r = w.log.read(from, 1 + random.nextInt(5000), Long.MAX_VALUE, true);
            try {
                model.checkSlice(r.records(), from);
            } catch (IOException e) {
                throw new AssertionError(e);
            } finally {
                r.release();
            }
        }

        private void checkDuplicates(Log log, List<LogModel.Batch> found) {
            for (List<LogModel.Batch> batches : LogModel.lastFivePerProducer(found).values()) {
                for (LogModel.Batch b : batches) {
                    checkDuplicate(log, b);
                }
            }
        }

        private void checkDuplicate(Log log, LogModel.Batch b) {
            ByteBuf again = b.retry();
            AppendResult r;
            try {
                r = log.appendAsLeader(again, leaderEpoch);
            } finally {
                again.release();
            }
            if (!r.duplicate() || r.firstOffset() != b.base || r.lastOffset() != b.last) {
                throw new AssertionError("A retry of " + b + " was not recognised as a duplicate: " + r.firstOffset()
                        + ".." + r.lastOffset() + (r.duplicate() ? " (duplicate)" : " (written again)"));
            }
        }

        /**
         * After a restart, each client continues from what the log holds (its sequence, its open transaction), or
         * starts a new epoch when none of its batches is left.
         */
        private void resyncProducers(List<LogModel.Batch> found) {
            Map<Long, LogModel.Batch> last = new HashMap<>();
            Map<Long, Long> open = new HashMap<>();
            for (LogModel.Batch b : found) {
                if (b.producerId >= 0 && !b.control) {
                    last.put(b.producerId, b);
                }
                if (b.transactional && b.control) {
                    open.remove(b.producerId);
                } else if (b.transactional) {
                    open.putIfAbsent(b.producerId, b.base);
                }
            }
            List<Producer> all = new ArrayList<>(producers);
            all.addAll(transactional);
            for (Producer p : all) {
                LogModel.Batch b = last.get(p.id);
                if (b != null) {
                    p.epoch = b.epoch;
                    p.nextSeq = b.lastSeq + 1;
                } else {
                    p.epoch++;
                    p.nextSeq = 0;
                }
                p.inTransaction = open.containsKey(p.id);
                p.txnFirst = open.getOrDefault(p.id, -1L);
            }
        }

        private void invariants() {
            World w = world;
            if (w == null || w.dead || w.log == null || w.closing || disk.isCrashed()) {
                return;
            }
            long leo = w.log.logEndOffset();
            long rp = w.log.recoveryPoint();
            if (leo < w.lastLogEnd || rp > leo || w.ackedEnd > rp) {
                throw new AssertionError("After step " + scheduler.steps() + ": log end " + leo + " (was "
                        + w.lastLogEnd + "), recovery point " + rp + ", acknowledged up to " + w.ackedEnd);
            }
            w.lastLogEnd = leo;
        }

        /** One life of the node: its executors and its open log. */
        private final class World {
            final SimExecutor writer;
            final SimExecutor flusher;
            final SimExecutor deleter;
            LogManager manager;
            Log log;
            boolean dead;
            boolean closing;
            long ackedEnd;
            long lastLogEnd;

            World(int n) {
                writer = scheduler.executor("writer-" + n);
                flusher = scheduler.executor("flusher-" + n);
                deleter = scheduler.executor("deleter-" + n);
            }

            void open() throws IOException {
                manager = LogManager.builder(DATA).disk(disk).clock(scheduler.clock()).scheduler(deleter)
                        .flusherExecutors(flusher, flusher).flusherPollMs(pollMs).checkpointIntervalMs(checkpointMs)
                        .configs(t -> config).deleteSuffixes(random).build();
                log = manager.getOrCreate(TOPIC, 0, config);
                lastLogEnd = log.logEndOffset();
            }

            void kill() {
                dead = true;
                writer.kill();
                flusher.kill();
                deleter.kill();
            }
        }
    }
}
