package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.log.AppendResult;
import io.samsa.log.Log;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * One broker's partition hosting on one thread from one seed: a {@link ReplicaManager} with its shards, hosting
 * executor, the log's flusher and deleter all on {@link SimExecutor}s, its logs on a {@link SimDisk}. Topics in
 * durable mode ({@code flush.messages=1}) and in the default mode; producers with acks=0/1/all through
 * {@link DelayedProduce}; consumers (and the odd follower) long-polling through {@link DelayedFetch}; retention and
 * DeleteRecords; metadata changes applied mid-flight (topics created, deleted and created again under the same name,
 * partitions added, leaders and ISRs moved, partitions reassigned away and back, configs and
 * {@code min.insync.replicas} changed); crashes of the disk at seeded operations and between steps (the disk keeps
 * what it may keep), crashes of the process alone (the page cache survives), clean restarts; each restart recovers
 * through the hosting path (the whole image applied first).
 *
 * <p>After every task: the high watermark never goes back (in durable mode, not even across crashes), stays between
 * the log start and the log end, and in durable mode never passes the durable end (the log's recovery point); no
 * parked fetch outlives its {@code max_wait_ms}. At each completion: a produce completes exactly once, on its home
 * executor, acknowledged only when committed (acks=all) or durable (acks=1/all in durable mode); a fetch completes
 * once, by {@code min_bytes} (never early) or at exactly {@code max_wait_ms}, and returns whole, byte-identical
 * batches, dense, never above the high watermark (nor above the durable end in durable mode). After every restart:
 * every batch acknowledged in durable mode is there, byte-identical; every batch in the log is one that was written
 * there. At quiet points: no produce, fetch or hosting change was lost. A failure names its seed;
 * {@code -Dsim.seed=N} replays it, {@code -Psim} runs thousands. See docs/simulation.md.
 */
class ReplicationSimulationTest {
    static final int CI_SEEDS = 200;
    static final long T0 = 1_700_000_000_000L;
    static final Path DATA = Path.of("/sim/node-1");
    static final int NODE = 1;
    static final int OTHER = 2;

    @Test
    void everyPromiseOfPartitionHostingHoldsThroughCrashes() {
        Set<Long> threadsBefore = threadIds();
        Coverage coverage = new Coverage();
        Simulation.Summary summary = Simulation.forEachSeed("ReplicationSimulationTest", CI_SEEDS,
                seed -> new ReplicationRun(seed, coverage).run());
        System.out.println("ReplicationSimulationTest: " + summary.seeds() + " seeds from " + summary.firstSeed()
                + " in " + summary.elapsedMs() + " ms, " + coverage);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(threadsBefore.contains(t.getId()) || !t.getName().startsWith("samsa"),
                    "the simulation started a thread: " + t.getName());
        }
        if (summary.seeds() >= 100) {
            coverage.assertCovered();
        }
    }

    @Test
    void aSeedReplaysExactly() throws Exception {
        for (long seed : new long[] {3, 17}) {
            ReplicationRun a = new ReplicationRun(seed, new Coverage());
            a.run();
            ReplicationRun b = new ReplicationRun(seed, new Coverage());
            b.run();
            assertEquals(a.fingerprint(), b.fingerprint(), "seed " + seed);
        }
    }

    private static Set<Long> threadIds() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.getId());
        }
        return ids;
    }

    /** What the runs did, to show the simulation reaches what it claims. */
    static final class Coverage {
        final Map<String, Long> counts = new TreeMap<>();

        void count(String what) {
            counts.merge(what, 1L, Long::sum);
        }

        long get(String what) {
            return counts.getOrDefault(what, 0L);
        }

        void assertCovered() {
            String[] wanted = {"produce acks=0 ok", "produce acks=1 ok", "produce acks=-1 ok",
                "acknowledged durable batches", "produce NOT_LEADER_OR_FOLLOWER", "produce NOT_ENOUGH_REPLICAS",
                "fetch by min_bytes", "fetch by max_wait", "fetch woken by an append", "fetch error",
                "follower fetch", "delete records", "retention moved a log start", "topic deleted",
                "topic name reused", "leadership moved", "crash: workload", "crash: recovery", "crash: hosting",
                "process crash", "clean restart", "durable partitions recovered"};
            for (String w : wanted) {
                assertTrue(get(w) > 0, "never: " + w + " in " + counts);
            }
        }

        @Override
        public String toString() {
            return counts.toString();
        }
    }

    /** A random element of a non-empty list. */
    static <T> T pick(Random random, List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    static ErrorCode code(Throwable t) {
        if (t instanceof AssertionError a) {
            throw a;
        }
        if (t instanceof SamsaException s) {
            return s.errorCode();
        }
        throw new AssertionError("Not a Kafka error: " + t, t);
    }

    /** One partition's append of a simulated produce: records the batches in the model before the log writes them. */
    static final class SimAppend extends DelayedProduce.Append {
        private final ByteBuf batch;
        private final PartitionModel model;
        private final SimBroker broker;
        List<PartitionModel.Batch> written = List.of();

        SimAppend(Partition partition, ByteBuf batch, PartitionModel model, SimBroker broker) {
            super(partition, batch);
            this.batch = batch;
            this.model = model;
            this.broker = broker;
        }

        PartitionModel model() {
            return model;
        }

        @Override
        protected void runOnShard() {
            if (broker.dead()) {
                throw new SimulatedCrash("node " + broker.nodeId + " is dead");
            }
            long base = partition.logEndOffset();
            ByteBuf expected = SimBatches.rewritten(batch, base, partition.leaderEpoch());
            List<PartitionModel.Batch> batches;
            try {
                batches = partition.isLeader() && !partition.isDeleted()
                        ? model.expect(expected, 0, expected.writerIndex()) : List.of();
            } finally {
                expected.release();
            }
            try {
                super.runOnShard();
            } catch (RuntimeException e) {
                model.forget(batches);
                throw e;
            }
            AppendResult r = result();
            if (batches.isEmpty() || r.duplicate() || r.firstOffset() != base
                    || r.lastOffset() != batches.get(batches.size() - 1).last) {
                throw new AssertionError(partition.name() + ": an append at " + base + " returned " + r.firstOffset()
                        + ".." + r.lastOffset() + ", expected " + batches);
            }
            written = batches;
        }
    }

    /** A simulated Produce request: checks its one completion. */
    static final class SimProduce extends DelayedProduce<SimAppend> {
        private final ReplicationRun run;
        private final SimBroker broker;
        private final SimExecutor home;
        private final long timeoutMs;
        long startedAt = -1;
        int completions;

        SimProduce(ReplicationRun run, SimBroker broker, SimExecutor home, int acks, long timeoutMs, int partitions) {
            super(home, broker.replicas.shards(), acks, timeoutMs, partitions);
            this.run = run;
            this.broker = broker;
            this.home = home;
            this.timeoutMs = timeoutMs;
        }

        void begin() {
            startedAt = run.scheduler.nowMillis();
            start();
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            if (broker.dead()) {
                return;
            }
            if (++completions > 1) {
                throw new AssertionError("A produce completed twice");
            }
            if (!home.inExecutor()) {
                throw new AssertionError("A produce completed off its home executor");
            }
            if (expired && (requiredAcks() != -1 || run.scheduler.nowMillis() < startedAt + timeoutMs)) {
                throw new AssertionError("A produce with acks=" + requiredAcks() + " expired at "
                        + (run.scheduler.nowMillis() - startedAt) + " ms of " + timeoutMs);
            }
            for (SimAppend a : appends()) {
                outcome(a, expired);
            }
        }

        private void outcome(SimAppend a, boolean expired) {
            Partition p = a.partition();
            if (a.error() != null) {
                ErrorCode c = code(a.error());
                boolean allowed = c == ErrorCode.NOT_LEADER_OR_FOLLOWER || c == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                        || (c == ErrorCode.NOT_ENOUGH_REPLICAS && requiredAcks() == -1)
                        // Issue 12: the ISR shrank below min.insync.replicas before the high watermark passed.
                        || (c == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND && requiredAcks() == -1 && a.committed())
                        || (c == ErrorCode.REQUEST_TIMED_OUT && expired);
                if (!allowed) {
                    throw new AssertionError(p.name() + ": a produce with acks=" + requiredAcks() + " failed",
                            a.error());
                }
                run.coverage.count("produce " + c);
                return;
            }
            AppendResult r = a.result();
            run.trace("produce " + p.name() + " " + r.firstOffset() + " " + r.lastOffset());
            if (requiredAcks() == -1 && !a.committed()) {
                if (!p.isDeleted()) {
                    throw new AssertionError(p.name() + ": acks=all completed before offset " + r.lastOffset()
                            + " was committed (high watermark " + p.highWatermark() + ")");
                }
                return;
            }
            run.coverage.count("produce acks=" + requiredAcks() + " ok");
            if (requiredAcks() == 0) {
                return;
            }
            if (requiredAcks() == 1 && !r.durable().isDone()) {
                throw new AssertionError(p.name() + ": acks=1 completed before its fsync");
            }
            if (requiredAcks() == -1 && p.highWatermark() <= r.lastOffset()) {
                throw new AssertionError(p.name() + ": acks=all acknowledged " + r.lastOffset()
                        + " above the high watermark " + p.highWatermark());
            }
            if (a.model().durable) {
                if (p.log().recoveryPoint() <= r.lastOffset()) {
                    throw new AssertionError(p.name() + ": acknowledged offset " + r.lastOffset() + " in durable "
                            + "mode before it was durable (recovery point " + p.log().recoveryPoint() + ")");
                }
                a.model().acknowledge(a.written);
                run.coverage.count("acknowledged durable batches");
            }
        }
    }

    /** One partition of a simulated fetch. */
    static final class SimPartitionFetch extends DelayedFetch.PartitionFetch {
        final PartitionModel model;
        final long highWatermarkAtStart;

        SimPartitionFetch(Partition partition, PartitionModel model, long fetchOffset, int maxBytes, int epoch) {
            super(partition, fetchOffset, maxBytes, epoch);
            this.model = model;
            this.highWatermarkAtStart = partition.highWatermark();
        }
    }

    /** A simulated Fetch request: checks its one completion and what it read. */
    static final class SimFetch extends DelayedFetch<SimPartitionFetch> {
        private final ReplicationRun run;
        private final SimBroker broker;
        private final SimExecutor home;
        long startedAt = -1;
        int completions;

        SimFetch(ReplicationRun run, SimBroker broker, SimExecutor home, FetchParams params,
                 List<SimPartitionFetch> partitions) {
            super(home, params, partitions);
            this.run = run;
            this.broker = broker;
            this.home = home;
        }

        void begin() {
            startedAt = run.scheduler.nowMillis();
            start();
        }

        /** True when a parked fetch has outlived its wait: the purgatory lost it. */
        boolean overdue(long now) {
            return completions == 0 && startedAt >= 0 && params().maxWaitMs() > 0
                    && now > startedAt + params().maxWaitMs();
        }

        @Override
        protected void onFetchComplete(boolean expired) {
            try {
                if (!broker.dead()) {
                    check(expired);
                }
            } finally {
                for (SimPartitionFetch f : partitions()) {
                    if (f.read() != null) {
                        f.read().records().release();
                    }
                }
            }
        }

        private void check(boolean expired) {
            if (++completions > 1) {
                throw new AssertionError("A fetch completed twice");
            }
            if (!home.inExecutor()) {
                throw new AssertionError("A fetch completed off its home executor");
            }
            long now = run.scheduler.nowMillis();
            FetchParams params = params();
            if (now > startedAt + Math.max(0, params.maxWaitMs())) {
                throw new AssertionError("A fetch completed " + (now - startedAt) + " ms after it started, max wait "
                        + params.maxWaitMs());
            }
            if (expired && now != startedAt + params.maxWaitMs()) {
                throw new AssertionError("A fetch expired after " + (now - startedAt) + " ms of "
                        + params.maxWaitMs());
            }
            long bytes = 0;
            boolean anyError = false;
            boolean woken = false;
            for (SimPartitionFetch f : partitions()) {
                if (f.error() != null) {
                    ErrorCode c = code(f.error());
                    if (c != ErrorCode.NOT_LEADER_OR_FOLLOWER && c != ErrorCode.OFFSET_OUT_OF_RANGE
                            && c != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                            && !(params.isFromFollower() && c == ErrorCode.UNKNOWN_LEADER_EPOCH)) {
                        throw new AssertionError(f.partition().name() + ": a fetch failed", f.error());
                    }
                    anyError = true;
                    continue;
                }
                PartitionRead r = f.read();
                Partition p = f.partition();
                long bound = params.isFromFollower() ? r.logEndOffset()
                        : params.isolation() == FetchIsolation.TXN_COMMITTED ? r.lastStableOffset() : r.highWatermark();
                if (!params.isFromFollower() && (r.highWatermark() > p.highWatermark()
                        || r.lastStableOffset() > r.highWatermark())) {
                    throw new AssertionError(p.name() + ": a read saw high watermark " + r.highWatermark()
                            + " and last stable offset " + r.lastStableOffset() + ", the partition has "
                            + p.highWatermark());
                }
                if (f.model.durable && !params.isFromFollower()) {
                    bound = Math.min(bound, p.log().recoveryPoint());
                }
                bytes += f.model.check(r.records(), f.fetchOffset(), bound);
                woken |= !r.records().isEmpty() && f.highWatermarkAtStart <= f.fetchOffset();
            }
            run.trace("fetch " + bytes + " " + expired + " " + now);
            if (!expired && !anyError && params.maxWaitMs() > 0 && bytes < params.minBytes()) {
                throw new AssertionError("A fetch completed early with " + bytes + " of " + params.minBytes()
                        + " bytes after " + (now - startedAt) + " of " + params.maxWaitMs() + " ms");
            }
            run.coverage.count(anyError ? "fetch error" : expired ? "fetch by max_wait" : "fetch by min_bytes");
            if (woken && !expired && !anyError && now > startedAt) {
                run.coverage.count("fetch woken by an append");
            }
            if (params.isFromFollower()) {
                run.coverage.count("follower fetch");
            }
        }
    }
}
