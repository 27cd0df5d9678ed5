package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.log.producer.ProducerStateManager;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.SamsaException;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer state across power loss, with {@code flush.messages=1}: a client that retries an acknowledged batch
 * after the broker's disk crashed is answered with the batch's original offsets as a duplicate, never given new
 * offsets and never OUT_OF_ORDER_SEQUENCE_NUMBER; a batch that was not acknowledged and did not survive is appended
 * afresh when retried, in sequence; and a transactional producer's open transaction comes back exactly: the first
 * unstable offset after recovery is the model's, and the producer's marker ends the transaction.
 *
 * <p>One partition on a {@link SimDisk}; the test's thread is the writer, one simulated executor runs the flusher
 * (a checkpoint pass after every roll and every DeleteRecords), the timer and the deleter. Idempotent and
 * transactional producers append (segments of a few hundred bytes roll often, each roll writing a producer snapshot),
 * markers end transactions, DeleteRecords moves the log start (the deleter then removes segments and the snapshots
 * below them), and clean restarts force a snapshot at the log end. The disk crashes at a seeded operation of the
 * workload, of a clean close or of a recovery, or between steps; {@link Coverage} asserts that the crashes fell on
 * each kind of producer snapshot operation (create, write, delete) and on each checkpoint file's writes, forces and
 * renames separately. The model is exact because recovery keeps a prefix of the log: everything appended below the
 * recovered log end is there, nothing above it is.
 *
 * <p>Two controls show the checks can fail: without fsync ({@link TestLogs#NO_FSYNC}) acknowledged batches are lost
 * and their retries written again; with every producer snapshot replaced by an empty one before recovery (producer
 * state not persisted) retries are refused or written twice, or an open transaction is lost.
 *
 * <p>{@code mvn verify} runs {@value #CI_SEEDS} seeds; {@code -Psim} thousands; {@code -Dsim.seed=N} replays one.
 */
class ProducerStatePowerLossTest {
    static final int CI_SEEDS = 300;
    private static final long T0 = SimNode.T0;
    private static final String TOPIC = "p";
    private static final int LIVES = 4;
    private static final int STEPS = 40;
    private static final int CONTROL_SEEDS = 60;

    /** What a run does to the disk image before each recovery. */
    private enum Sabotage { NONE, NO_FSYNC, EMPTY_SNAPSHOTS }

    @Test
    void acknowledgedProducerStateSurvivesPowerLoss() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = Simulation.forEachSeed("ProducerStatePowerLossTest", CI_SEEDS, seed -> {
            String failure = new Run(seed, Sabotage.NONE, coverage).run();
            if (failure != null) {
                throw new AssertionError(failure);
            }
        });
        System.out.println("ProducerStatePowerLossTest: " + summary.seeds() + " seeds in " + summary.elapsedMs()
                + " ms, " + coverage);
        if (summary.seeds() >= 100) {
            coverage.assertCovered();
        }
    }

    @Test
    void controlWithoutFsyncAcknowledgedBatchesAreWrittenAgain() {
        assertTrue(someSeedFails(Sabotage.NO_FSYNC),
                "without fsync a power loss must lose acknowledged batches, else the check proves nothing");
    }

    @Test
    void controlWithoutProducerSnapshotsRetriesOrTransactionsGoWrong() {
        assertTrue(someSeedFails(Sabotage.EMPTY_SNAPSHOTS),
                "with the producer snapshots emptied the checks must fail, else they do not look at producer state");
    }

    private static boolean someSeedFails(Sabotage sabotage) {
        for (long seed = 1; seed <= CONTROL_SEEDS; seed++) {
            try {
                String failure = new Run(seed, sabotage, new Coverage()).run();
                if (failure != null) {
                    System.out.println("ProducerStatePowerLossTest control " + sabotage + ": " + failure);
                    return true;
                }
            } catch (SamsaException | AssertionError e) {
                System.out.println("ProducerStatePowerLossTest control " + sabotage + ": " + e);
                return true;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return false;
    }

    /** Where the crashes fell: "phase OP file" -> count, checkpoint files by name. */
    static final class Coverage {
        final TreeMap<String, Integer> points = new TreeMap<>();
        long crashes;
        long acked;
        long retries;

        void record(SimDisk.CrashPoint at, String phase) {
            crashes++;
            String key = at == null ? "between operations" : at.op() + " " + kind(at.path());
            points.merge(phase + ": " + key, 1, Integer::sum);
        }

        static String kind(Path p) {
            String n = p.getFileName().toString();
            if (n.contains("checkpoint")) {
                return n;
            }
            if (n.startsWith(TOPIC + "-") || n.equals(SimNode.DATA.getFileName().toString())) {
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

        void assertCovered() {
            List<String> wanted = new ArrayList<>(List.of("CREATE .snapshot", "WRITE .snapshot", "DELETE .snapshot",
                    "FORCE .snapshot", "WRITE .log", "FORCE .log", "CREATE .log", "FORCE_DIRECTORY directory",
                    "between operations"));
            for (String f : List.of(Log.RECOVERY_POINT_CHECKPOINT, Log.LOG_START_OFFSET_CHECKPOINT,
                    Log.LEADER_EPOCH_CHECKPOINT)) {
                wanted.add("WRITE " + f + ".tmp");
                wanted.add("FORCE " + f + ".tmp");
                wanted.add("MOVE " + f + ".tmp");
            }
            for (String w : wanted) {
                assertTrue(count(w) > 0, "no crash at " + w + ": " + points);
            }
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("recovery:")), "no crash in recovery");
            assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith("close:")), "no crash in a clean close");
        }

        @Override
        public String toString() {
            return crashes + " crashes, " + acked + " batches acknowledged, " + retries + " retries checked; "
                    + points;
        }
    }

    /** One batch or marker the test appended, as the client knows it. */
    private static final class Entry {
        final long producerId;
        final short epoch;
        final int firstSeq;
        final long base;
        final long last;
        final byte[] bytes;
        final boolean marker;
        boolean acked;

        Entry(long producerId, short epoch, int firstSeq, long base, long last, byte[] bytes, boolean marker) {
            this.producerId = producerId;
            this.epoch = epoch;
            this.firstSeq = firstSeq;
            this.base = base;
            this.last = last;
            this.bytes = bytes;
            this.marker = marker;
        }

        @Override
        public String toString() {
            return (marker ? "marker " : "batch ") + base + ".." + last + " of producer " + producerId + " epoch "
                    + epoch + (marker ? "" : " seq " + firstSeq) + (acked ? " (acked)" : "");
        }
    }

    /** A producer as its client sees it. */
    private static final class Producer {
        final long id;
        final boolean transactional;
        short epoch;
        int nextSeq;
        /** The entry of a batch sent but not acknowledged when the disk crashed: the client retries it. */
        Entry pending;

        Producer(long id, boolean transactional) {
            this.id = id;
            this.transactional = transactional;
        }
    }

    /** One seed: lives of a node, a crash ending each, the producers' view checked after every recovery. */
    private static final class Run {
        final long seed;
        final Sabotage sabotage;
        final Coverage coverage;
        final SimNode node;
        final Random random;
        final LogConfig config;
        final List<Producer> producers = new ArrayList<>();
        /** Every entry appended and not known lost, by base offset. */
        final TreeMap<Long, Entry> log = new TreeMap<>();
        LogManager manager;
        Log partition;
        String phase;

        Run(long seed, Sabotage sabotage, Coverage coverage) {
            this.seed = seed;
            this.sabotage = sabotage;
            this.coverage = coverage;
            node = new SimNode(seed);
            random = new Random(node.scheduler.random().nextLong());
            node.disk.strictNames(random.nextInt(4) == 0);
            config = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_BYTES, String.valueOf(new int[] {250, 400, 900}[random.nextInt(3)]),
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.FILE_DELETE_DELAY_MS, "0"));
            for (int i = 0; i < 3; i++) {
                producers.add(new Producer(100 + i, false));
            }
            for (int i = 0; i < 2; i++) {
                producers.add(new Producer(200 + i, true));
            }
        }

        /** Returns a failure, or null when every check held. */
        String run() throws Exception {
            for (int life = 0; life < LIVES; life++) {
                String failure = recover();
                if (failure != null) {
                    return failure;
                }
                phase = "workload";
                try {
                    workload();
                } catch (SimulatedCrash crash) {
                    // The disk crashed inside a call the test made itself.
                }
                if (node.disk.isCrashed()) {
                    coverage.record(node.disk.lastCrash(), phase);
                } else {
                    node.disk.crashAtOperation(-1);
                    node.disk.crash();
                    coverage.record(null, "workload");
                }
                node.restart();
            }
            return recover();
        }

        private LogManager open() throws Exception {
            return sabotage == Sabotage.NO_FSYNC ? node.open(config, TestLogs.NO_FSYNC) : node.open(config);
        }

        /** Opens the log after a crash (a crash during recovery starts it again) and checks it against the model. */
        private String recover() throws Exception {
            if (sabotage == Sabotage.EMPTY_SNAPSHOTS) {
                emptySnapshots();
            }
            boolean armed = random.nextInt(3) == 0;
            while (true) {
                if (armed) {
                    node.disk.crashAtOperation(node.disk.operations() + 1 + random.nextInt(25));
                }
                try {
                    manager = open();
                    partition = manager.getOrCreate(TOPIC, 0, config);
                    node.disk.crashAtOperation(-1);
                    break;
                } catch (SimulatedCrash crash) {
                    coverage.record(node.disk.lastCrash(), "recovery");
                    node.restart();
                    armed = false;
                }
            }
            return check();
        }

        /** Replaces every producer snapshot by one of an empty producer state (the control). */
        private void emptySnapshots() throws Exception {
            Path dir = SimNode.DATA.resolve(TOPIC + "-0");
            if (!node.disk.exists(dir)) {
                return;
            }
            Path scratch = Path.of("/scratch");
            node.disk.createDirectories(scratch);
            byte[] empty = node.disk.readAllBytes(new ProducerStateManager(node.disk, scratch).takeSnapshot(0));
            for (Path p : node.disk.list(dir)) {
                if (p.getFileName().toString().endsWith(ProducerStateManager.SNAPSHOT_SUFFIX)) {
                    try (FileChannel ch = node.disk.open(p, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING)) {
                        ch.write(ByteBuffer.wrap(empty));
                    }
                }
            }
        }

        /** The recovered log against the model; then each client resumes as a real one would. */
        private String check() throws Exception {
            long end = partition.logEndOffset();
            long start = partition.logStartOffset();
            for (Entry e : log.values()) {
                if (e.acked && e.last >= start && e.last >= end) {
                    return "seed " + seed + ": acknowledged " + e + " lost, log end " + end;
                }
                if (e.base < end && e.last >= end) {
                    return "seed " + seed + ": the log end " + end + " cuts " + e;
                }
            }
            // Recovery keeps a prefix: what lies above the log end is gone.
            log.tailMap(end, true).clear();
            long expectedUnstable = expectedFirstUnstable(start);
            if (partition.firstUnstableOffset() != expectedUnstable) {
                return "seed " + seed + ": first unstable offset " + partition.firstUnstableOffset() + ", expected "
                        + expectedUnstable + " (log " + start + ".." + end + ", entries " + log.values() + ")";
            }
            for (Producer p : producers) {
                String failure = resume(p, start);
                if (failure != null) {
                    return failure;
                }
            }
            return null;
        }

        /** The first offset of the oldest transaction whose batches survived and whose marker did not. */
        private long expectedFirstUnstable(long start) {
            long first = -1;
            for (Producer p : producers) {
                long open = openTransaction(p, start);
                if (open >= 0 && (first < 0 || open < first)) {
                    first = open;
                }
            }
            return first;
        }

        private long openTransaction(Producer p, long start) {
            if (!p.transactional) {
                return -1;
            }
            long open = -1;
            for (Entry e : log.tailMap(start, true).values()) {
                if (e.producerId != p.id) {
                    continue;
                }
                if (e.marker) {
                    open = -1;
                } else if (open < 0) {
                    open = e.base;
                }
            }
            return open;
        }

        /**
         * Retries the producer's last five surviving batches (each a duplicate with its original offsets) and its
         * pending one, then lets it go on: in sequence when its batches are in the log, else with a new epoch.
         */
        private String resume(Producer p, long start) {
            List<Entry> mine = new ArrayList<>();
            for (Entry e : log.tailMap(start, true).values()) {
                if (e.producerId == p.id && !e.marker) {
                    mine.add(e);
                }
            }
            if (!mine.isEmpty()) {
                short epoch = mine.get(mine.size() - 1).epoch;
                mine.removeIf(e -> e.epoch != epoch);
            }
            List<Entry> lastFive = mine.subList(Math.max(0, mine.size() - 5), mine.size());
            for (Entry e : lastFive) {
                coverage.retries++;
                AppendResult r;
                try {
                    r = append(e.bytes);
                } catch (SamsaException ex) {
                    return "seed " + seed + ": a retry of " + e + " was refused: " + ex.errorCode() + " "
                            + ex.getMessage();
                }
                if (!r.duplicate() || r.firstOffset() != e.base || r.lastOffset() != e.last) {
                    return "seed " + seed + ": a retry of " + e + " got " + r.firstOffset() + ".." + r.lastOffset()
                            + (r.duplicate() ? " as a duplicate" : ", written again");
                }
            }
            Entry pending = p.pending;
            p.pending = null;
            if (mine.isEmpty()) {
                // Nothing of this producer is left to deduplicate against: the client starts a new epoch.
                p.epoch++;
                p.nextSeq = 0;
                return null;
            }
            Entry last = mine.get(mine.size() - 1);
            p.epoch = last.epoch;
            p.nextSeq = last.firstSeq + (int) (last.last - last.base) + 1;
            if (pending != null && pending.base > last.base && pending.epoch == p.epoch
                    && pending.firstSeq == p.nextSeq) {
                // Sent, lost before it was acknowledged: the client's retry is the next in sequence.
                long base = partition.logEndOffset();
                AppendResult r;
                try {
                    r = append(pending.bytes);
                } catch (SamsaException ex) {
                    return "seed " + seed + ": a retry of the lost " + pending + " was refused: " + ex.errorCode()
                            + " " + ex.getMessage();
                }
                if (r.duplicate() || r.firstOffset() != base) {
                    return "seed " + seed + ": a retry of the lost " + pending + " got " + r.firstOffset() + ".."
                            + r.lastOffset() + (r.duplicate() ? " as a duplicate" : "");
                }
                log.put(base, new Entry(p.id, p.epoch, pending.firstSeq, base, r.lastOffset(), pending.bytes, false));
                p.nextSeq += (int) (r.lastOffset() - base) + 1;
                awaitDurable(log.get(base), r);
            }
            if (p.transactional && openTransaction(p, start) >= 0) {
                // The open transaction came back: its marker ends it.
                try {
                    marker(p, random.nextBoolean());
                } catch (SamsaException ex) {
                    return "seed " + seed + ": the marker of " + p.id + "'s recovered transaction was refused: "
                            + ex.errorCode() + " " + ex.getMessage();
                }
                if (openTransaction(p, start) >= 0 || partition.firstUnstableOffset() != expectedFirstUnstable(start)) {
                    return "seed " + seed + ": after the marker of " + p.id + " the first unstable offset is "
                            + partition.firstUnstableOffset() + ", expected " + expectedFirstUnstable(start);
                }
            }
            return null;
        }

        private AppendResult append(byte[] bytes) {
            ByteBuf b = Unpooled.wrappedBuffer(bytes.clone());
            try {
                return partition.appendAsLeader(b, 0);
            } finally {
                b.release();
            }
        }

        /** Steps of appends, markers, DeleteRecords, flusher time and clean restarts until the disk crashes. */
        private void workload() throws Exception {
            node.disk.crashAtOperation(node.disk.operations() + 1 + random.nextInt(new int[] {30, 150, 600}
                    [random.nextInt(3)]));
            for (int step = 0; step < STEPS && !node.disk.isCrashed(); step++) {
                int what = random.nextInt(20);
                if (what < 13) {
                    produce(producers.get(random.nextInt(producers.size())));
                } else if (what < 15) {
                    Producer p = producers.get(3 + random.nextInt(2));
                    if (openTransaction(p, partition.logStartOffset()) >= 0) {
                        marker(p, random.nextInt(3) > 0);
                    }
                } else if (what < 17) {
                    deleteRecords();
                } else if (what < 19) {
                    node.scheduler.runFor(1 + random.nextInt(50));
                } else {
                    cleanRestart();
                }
            }
        }

        private void produce(Producer p) {
            int count = 1 + random.nextInt(4);
            ByteBuf batch = TestLogs.batch(node.scheduler.nowMillis(), count, "v" + p.id + "-" + p.nextSeq + "-",
                    p.id, p.epoch, p.nextSeq, p.transactional, Compression.NONE);
            byte[] bytes = new byte[batch.readableBytes()];
            batch.getBytes(batch.readerIndex(), bytes);
            batch.release();
            long base = partition.logEndOffset();
            Entry e = new Entry(p.id, p.epoch, p.nextSeq, base, base + count - 1, bytes, false);
            // Known before the call: a crash inside it may still have written the batch.
            log.put(base, e);
            p.pending = e;
            p.nextSeq += count;
            AppendResult r = append(bytes);
            awaitDurable(e, r);
            if (e.acked) {
                p.pending = null;
            }
        }

        private void marker(Producer p, boolean commit) {
            long base = partition.logEndOffset();
            Entry e = new Entry(p.id, p.epoch, -1, base, base, new byte[0], true);
            log.put(base, e);
            awaitDurable(e, partition.appendTransactionMarker(p.id, p.epoch, commit, 0, 0));
        }

        /** Runs the node until the entry is acknowledged (its durable future done) or the disk crashed. */
        private void awaitDurable(Entry e, AppendResult r) {
            node.scheduler.runUntil(() -> node.disk.isCrashed() || r.durable().isDone());
            if (!node.disk.isCrashed() && !r.durable().isCompletedExceptionally()) {
                e.acked = true;
                coverage.acked++;
            }
        }

        /** DeleteRecords up to a batch boundary not past an open transaction, then retention's deletion. */
        private void deleteRecords() {
            long limit = partition.firstUnstableOffset() >= 0 ? partition.firstUnstableOffset()
                    : partition.logEndOffset();
            List<Long> bases = new ArrayList<>(log.subMap(partition.logStartOffset(), false, limit, true).keySet());
            if (bases.isEmpty()) {
                return;
            }
            long to = bases.get(random.nextInt(bases.size()));
            partition.increaseLogStartOffset(to);
            partition.deleteOldSegments(partition.recoveryPoint());
            node.scheduler.runFor(1 + random.nextInt(20));
        }

        /** A clean close (snapshot at the log end, forced) and a reopen: crash points in the close too. */
        private void cleanRestart() throws Exception {
            phase = "close";
            manager.close();
            phase = "recovery";
            manager = open();
            partition = manager.get(TOPIC, 0);
            phase = "workload";
            String failure = check();
            if (failure != null) {
                throw new AssertionError("after a clean restart: " + failure);
            }
        }
    }
}
