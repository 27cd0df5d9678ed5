package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cleaner against a model, over many seeds: random keyed appends (tombstones, every codec), idempotent and
 * transactional producers (commits and aborts), clock jumps, restarts and cleaning passes, all on the simulated
 * scheduler and disk. After every round:
 *
 * <ul>
 *   <li>every record in the log was appended at that offset with that key, value and timestamp (offsets unchanged,
 *       nothing invented);</li>
 *   <li>the latest decided record of every key is there (a later aborted or undecided record does not count), unless
 *       it is a tombstone older than {@code delete.retention.ms};</li>
 *   <li>aborted records still in the log are covered by their abort marker and the transaction index (a read_committed
 *       consumer skips them), and committed transactional records by their commit marker.</li>
 * </ul>
 *
 * At the end, with every transaction decided and time moved past {@code delete.retention.ms}, everything below the
 * active segment is exactly the latest live value of each key: no superseded record, no aborted data, no tombstone and
 * no marker; and every idempotent producer continues its sequence after a restart.
 */
class LogCleanerPropertyTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final long[] PIDS = {100, 200, 201};

    @Test
    void theCleanedLogMatchesTheModel() {
        Simulation.forEachSeed("LogCleanerPropertyTest", 25, LogCleanerPropertyTest::run);
    }

    /** One appended record, as the model remembers it. */
    private record Appended(long offset, String key, String value, long timestamp, long appendedAt, long pid,
                            boolean transactional) {
    }

    private static final class Model {
        final TreeMap<Long, Appended> records = new TreeMap<>();
        final Set<Long> abortedOffsets = new HashSet<>();
        final Set<Long> committedTxnOffsets = new HashSet<>();
        final Map<Long, Long> markerOf = new HashMap<>();
        final Map<Long, List<Long>> openTxn = new HashMap<>();
        final Set<Long> markers = new HashSet<>();
        int keys;

        boolean decided(Appended a) {
            return !a.transactional || committedTxnOffsets.contains(a.offset) || abortedOffsets.contains(a.offset);
        }

        /** The latest record of each key that is not aborted and not in an open transaction. */
        Map<String, Appended> latestDecided() {
            Map<String, Appended> out = new HashMap<>();
            for (Appended a : records.values()) {
                if (decided(a) && !abortedOffsets.contains(a.offset)) {
                    out.put(a.key, a);
                }
            }
            return out;
        }
    }

    private static final class Node {
        final SimScheduler sim;
        final SimDisk disk;
        SimExecutor writer;
        LogManager manager;
        Log log;
        final LogConfig config;

        Node(SimScheduler sim, SimDisk disk, LogConfig config) throws Exception {
            this.sim = sim;
            this.disk = disk;
            this.config = config;
            open();
        }

        void open() throws Exception {
            writer = sim.executor("writer");
            SimExecutor io = sim.executor("io");
            manager = LogManager.builder(DATA).disk(disk).clock(sim.clock()).scheduler(io).flusherExecutors(io, io)
                    .configs(t -> config).cleaner(CleanerConfig.DEFAULTS.withBackoffMs(500)
                            .withDedupeBufferBytes(24L * 64).withIoBufferBytes(4096))
                    .cleanerExecutors(List.of(sim.executor("cleaner"))).build();
            log = manager.getOrCreate("t", 0, config);
            log.attachWriter(writer, log::logEndOffset);
        }

        void restart() throws Exception {
            writer.kill();
            manager.close();
            open();
        }

        long passes() {
            return manager.cleaner().stats().snapshot().passes();
        }
    }

    private static void run(long seed) throws Exception {
        SimScheduler sim = new SimScheduler(Simulation.random(seed), T0);
        Random rnd = sim.random();
        SimDisk disk = new SimDisk(rnd, sim.clock());
        long retention = 1_000 + rnd.nextInt(20_000);
        LogConfig cfg = LogConfig.fromMap(Map.of(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.SEGMENT_BYTES, Integer.toString(600 + rnd.nextInt(3000)),
                LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.INDEX_INTERVAL_BYTES, "128",
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, Double.toString(rnd.nextDouble() * 0.5),
                LogConfig.DELETE_RETENTION_MS, Long.toString(retention),
                LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(Long.MAX_VALUE),
                LogConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(Long.MAX_VALUE)));
        Node node = new Node(sim, disk, cfg);
        Model model = new Model();
        // Few keys, or more keys than the offset map holds (64 slots): then a pass cleans up to where it filled.
        model.keys = rnd.nextBoolean() ? 12 : 150;
        Map<Long, Integer> seqs = new HashMap<>();
        int rounds = 25 + rnd.nextInt(25);
        for (int round = 0; round < rounds; round++) {
            int ops = 1 + rnd.nextInt(30);
            for (int i = 0; i < ops; i++) {
                step(node, model, seqs, rnd, false);
            }
            if (rnd.nextInt(10) == 0) {
                node.restart();
            }
            sim.runFor(rnd.nextInt(3_000));
            check(node, model, retention);
        }
        // Decide every transaction, let the tombstones and markers age, roll, and clean until nothing is left to do.
        for (long pid : PIDS) {
            if (model.openTxn.containsKey(pid)) {
                marker(node, model, pid, rnd.nextBoolean());
            }
        }
        sim.runFor(retention + 1);
        // Any dirty byte is now reason enough to clean (a live config change); each round rolls a new segment.
        node.log.updateConfig(LogConfig.fromMap(Map.of(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.SEGMENT_BYTES, Integer.toString(cfg.segmentBytes()), LogConfig.SEGMENT_INDEX_BYTES, "4096",
                LogConfig.INDEX_INTERVAL_BYTES, "128", LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0",
                LogConfig.DELETE_RETENTION_MS, Long.toString(retention))));
        // Then rounds that only overwrite a key of their own: a marker whose transaction's last data went in the
        // rounds before gets its horizon in the first of them and goes in a later one.
        for (int i = 0; i < 8; i++) {
            if (i == 5) {
                model.keys = 0;
            }
            int segments = node.log.segmentCount();
            while (node.log.segmentCount() == segments) {
                step(node, model, seqs, rnd, true);
            }
            node.manager.cleaner().wakeUp();
            sim.runFor(retention + 1_000);
            check(node, model, retention);
        }
        finalCheck(node, model);
        // Idempotent producers go on after a restart: their last sequence survived cleaning.
        node.restart();
        for (long pid : PIDS) {
            Integer next = seqs.get(pid);
            if (next != null) {
                ByteBuf b = Keyed.batch(sim.nowMillis(), Compression.NONE, pid, (short) 0, next, false, "key-0", "after");
                AppendResult r = TestLogs.append(node.log, b, 0);
                assertTrue(!r.duplicate() && r.firstOffset() >= 0, "producer " + pid + " continues at " + next);
            }
        }
        node.writer.kill();
        node.manager.close();
    }

    /** One random operation on the log (the test thread is its writer). */
    private static void step(Node node, Model model, Map<Long, Integer> seqs, Random rnd, boolean plainOnly) {
        Log log = node.log;
        int op = plainOnly ? 0 : rnd.nextInt(10);
        long now = node.sim.nowMillis();
        if (op == 9) {
            node.sim.runFor(rnd.nextInt(5_000));
            return;
        }
        long pid = -1;
        boolean txn = false;
        if (op >= 5) {
            pid = PIDS[rnd.nextInt(PIDS.length)];
            txn = pid != 100;
            if (txn && model.openTxn.containsKey(pid) && rnd.nextInt(3) == 0) {
                marker(node, model, pid, rnd.nextInt(3) != 0);
                return;
            }
        }
        int n = 1 + rnd.nextInt(4);
        String[] kv = new String[2 * n];
        for (int i = 0; i < n; i++) {
            kv[2 * i] = model.keys == 0 ? "filler" : "key-" + rnd.nextInt(model.keys);
            kv[2 * i + 1] = !plainOnly && rnd.nextInt(6) == 0 ? null : "v" + rnd.nextInt(1_000_000);
        }
        Compression[] codecs = {Compression.NONE, Compression.NONE, Compression.gzip().build(),
            Compression.snappy().build(), Compression.lz4().build(), Compression.zstd().build()};
        Compression c = codecs[rnd.nextInt(codecs.length)];
        int seq = pid < 0 ? -1 : seqs.getOrDefault(pid, 0);
        ByteBuf b = Keyed.batch(now, c, pid, (short) (pid < 0 ? -1 : 0), seq, txn, kv);
        AppendResult r = TestLogs.append(log, b, 0);
        if (pid >= 0) {
            seqs.put(pid, seq + n);
        }
        for (int i = 0; i < n; i++) {
            long off = r.firstOffset() + i;
            model.records.put(off, new Appended(off, kv[2 * i], kv[2 * i + 1], now + i, now, pid, txn));
            if (txn) {
                model.openTxn.computeIfAbsent(pid, p -> new ArrayList<>()).add(off);
            }
        }
    }

    private static void marker(Node node, Model model, long pid, boolean commit) {
        AppendResult r = node.log.appendTransactionMarker(pid, (short) 0, commit, 0, 0);
        model.markers.add(r.firstOffset());
        for (long off : model.openTxn.remove(pid)) {
            (commit ? model.committedTxnOffsets : model.abortedOffsets).add(off);
            model.markerOf.put(off, r.firstOffset());
        }
    }

    private static void check(Node node, Model model, long retention) throws Exception {
        Log log = node.log;
        List<Keyed.Rec> recs = Keyed.readAll(log);
        Map<Long, Keyed.Rec> byOffset = new HashMap<>();
        long prev = -1;
        for (Keyed.Rec r : recs) {
            assertTrue(r.offset() > prev, "offsets increase: " + r);
            prev = r.offset();
            byOffset.put(r.offset(), r);
            if (r.control()) {
                assertTrue(model.markers.contains(r.offset()), "a marker where one was written: " + r);
                continue;
            }
            Appended a = model.records.get(r.offset());
            assertNotNull(a, "record at an offset that was appended: " + r);
            assertEquals(a.key, r.key(), "key at " + r.offset());
            assertEquals(a.value, r.value(), "value at " + r.offset());
            assertEquals(a.timestamp, r.timestamp(), "timestamp at " + r.offset());
        }
        long now = node.sim.nowMillis();
        for (Appended a : model.latestDecided().values()) {
            if (a.value == null && now >= a.appendedAt + retention) {
                continue;
            }
            if (!byOffset.containsKey(a.offset)) {
                StringBuilder sb = new StringBuilder();
                for (Appended x : model.records.values()) {
                    if (x.key.equals(a.key)) {
                        sb.append("\n  model ").append(x).append(model.abortedOffsets.contains(x.offset) ? " ABORTED"
                                : model.committedTxnOffsets.contains(x.offset) ? " COMMITTED" : "");
                    }
                }
                for (Keyed.Rec r : recs) {
                    if (a.key.equals(r.key()) || r.control()) {
                        sb.append("\n  log ").append(r);
                    }
                }
                sb.append("\n segments ").append(log.segmentBaseOffsets()).append(" end ").append(log.logEndOffset())
                        .append(" aborted ").append(log.collectAbortedTransactions(0, log.logEndOffset()));
                throw new AssertionError("the latest record of " + a.key + " at " + a.offset + " is kept (value "
                        + a.value + ")" + sb);
            }
        }
        List<AbortedTransaction> aborted = log.collectAbortedTransactions(log.logStartOffset(), log.logEndOffset());
        for (Keyed.Rec r : recs) {
            if (r.control()) {
                continue;
            }
            if (model.abortedOffsets.contains(r.offset())) {
                long m = model.markerOf.get(r.offset());
                assertTrue(byOffset.containsKey(m), "the abort marker of kept aborted data at " + r.offset());
                assertTrue(aborted.stream().anyMatch(t -> t.producerId() == r.producerId()
                        && t.firstOffset() <= r.offset() && t.lastOffset() == m),
                        "the transaction index covers kept aborted data at " + r.offset() + ": " + aborted);
            } else if (model.committedTxnOffsets.contains(r.offset())) {
                assertTrue(byOffset.containsKey(model.markerOf.get(r.offset())),
                        "the commit marker of kept transactional data at " + r.offset());
            }
        }
    }

    private static void finalCheck(Node node, Model model) throws Exception {
        Log log = node.log;
        long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        Map<String, Appended> expected = new TreeMap<>();
        for (Appended a : model.latestDecided().values()) {
            if (a.value != null && a.offset < activeBase) {
                expected.put(a.key, a);
            }
        }
        Map<String, Long> actual = new TreeMap<>();
        List<Keyed.Rec> all = Keyed.readAll(log);
        List<org.apache.kafka.common.record.internal.RecordBatch> batches = Keyed.batches(log);
        Set<Long> present = new HashSet<>();
        for (Keyed.Rec r : all) {
            present.add(r.offset());
        }
        for (Keyed.Rec r : all) {
            if (r.offset() >= activeBase) {
                continue;
            }
            if (r.control()) {
                // A marker stays while a batch of its transaction does (even one emptied to keep its
                // producer's last sequence, as Kafka does); nothing else does.
                if (!transactionBatchLeft(model, batches, r)) {
                    StringBuilder sb = new StringBuilder();
                    for (org.apache.kafka.common.record.internal.RecordBatch b : batches) {
                        if (b.producerId() == r.producerId()) {
                            sb.append("\n  ").append(b.baseOffset()).append("..").append(b.lastOffset())
                                    .append(b.isControlBatch() ? " control" : "").append(" count ")
                                    .append(b.countOrNull()).append(" horizon ").append(b.deleteHorizonMs());
                        }
                    }
                    sb.append("\n markers of the producer in the model: ");
                    for (Map.Entry<Long, Long> e : new TreeMap<>(model.markerOf).entrySet()) {
                        if (model.records.get(e.getKey()).pid() == r.producerId()) {
                            sb.append(e.getKey()).append("->").append(e.getValue()).append(' ');
                        }
                    }
                    sb.append("\n now ").append(node.sim.nowMillis()).append(" segments ")
                            .append(log.segmentBaseOffsets()).append(" checkpoint ")
                            .append(node.manager.cleaner().checkpoint("t-0"));
                    throw new AssertionError("no marker left below the active segment: " + r + sb);
                }
                continue;
            }
            assertTrue(r.value() != null, "no tombstone left below the active segment: " + r);
            assertEquals(null, actual.put(r.key(), r.offset()), "one record per key: " + r);
        }
        Map<String, Long> want = new TreeMap<>();
        for (Appended a : expected.values()) {
            if (!isSupersededInActive(model, a, activeBase)) {
                want.put(a.key, a.offset);
            }
        }
        for (Map.Entry<String, Long> e : actual.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                // The key's latest value is in the active segment: an older one below it may stay.
                Appended latest = model.latestDecided().get(e.getKey());
                assertTrue(latest != null && latest.offset >= activeBase, "an extra key below the active segment: "
                        + e);
            }
        }
        for (Map.Entry<String, Long> e : want.entrySet()) {
            assertEquals(e.getValue(), actual.get(e.getKey()), "the live value of " + e.getKey());
        }
    }

    /** Whether a data batch of the marker's transaction is in the log (between its producer's previous marker). */
    private static boolean transactionBatchLeft(Model model, List<org.apache.kafka.common.record.internal.RecordBatch>
            batches, Keyed.Rec marker) {
        long previous = -1;
        for (org.apache.kafka.common.record.internal.RecordBatch b : batches) {
            if (b.isControlBatch() && b.producerId() == marker.producerId() && b.baseOffset() < marker.offset()) {
                previous = Math.max(previous, b.baseOffset());
            }
        }
        for (long m : model.markers) {
            // Markers of this producer removed from the log still bound its transactions.
            if (m < marker.offset() && m > previous && model.markerOf.entrySet().stream()
                    .anyMatch(e -> e.getValue() == m && model.records.get(e.getKey()).pid() == marker.producerId())) {
                previous = m;
            }
        }
        for (org.apache.kafka.common.record.internal.RecordBatch b : batches) {
            if (!b.isControlBatch() && b.isTransactional() && b.producerId() == marker.producerId()
                    && b.baseOffset() > previous && b.baseOffset() < marker.offset()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSupersededInActive(Model model, Appended a, long activeBase) {
        Appended latest = model.latestDecided().get(a.key);
        return latest != null && latest.offset >= activeBase && latest.offset != a.offset;
    }
}
