package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.log.FileForcer;
import io.samsa.log.LogConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DelayedProduce}, the one owner of acks: acks=0/1/all on hand-driven executors (a connection loop "home"
 * and a shard), the purgatory timeout through the home executor's timer, leadership loss, min.insync.replicas, and
 * durable mode, where only the shard moves the high watermark, after the fsync. Real logs in a temporary directory;
 * the fsync is held by a gated forcer.
 */
@Timeout(30)
class DelayedProduceTest {
    private static final LogConfig DURABLE = LogConfig.fromMap(Map.of("flush.messages", "1"));

    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final QueueExecutor home = new QueueExecutor("home");
    private final ShardProxy shards = new ShardProxy(List.of(shard));
    private final List<ByteBuf> batches = new ArrayList<>();
    /** Holds the fsyncs of durable-mode partitions until a test lets them through. */
    private final PartitionTest.GatedForcer forcer = new PartitionTest.GatedForcer();

    @AfterEach
    void close() throws IOException {
        forcer.gate.countDown();
        batches.forEach(ByteBuf::release);
        if (partitions != null) {
            partitions.close();
        }
    }

    private Partition partition(FileForcer forcer, LogConfig config, int minIsr) throws IOException {
        partitions = new TestPartitions(dir, forcer);
        return partitions.create("orders", 3, shard, config, List.of(TestPartitions.NODE), minIsr);
    }

    private Partition partition() throws IOException {
        return partition(FileForcer.SYSTEM, LogConfig.DEFAULTS, 1);
    }

    /** A durable-mode partition whose fsyncs wait for {@code forcer}'s gate. */
    private Partition durable() throws IOException {
        return partition(forcer, DURABLE, 1);
    }

    /** An acks=all produce of two records to a durable-mode partition, parked: the fsync is held. */
    private Produce parkedAcksAll(Partition p, long timeoutMs) {
        Produce op = new Produce(-1, timeoutMs).with(p, 2);
        startAndRun(op);
        assertEquals(0, op.completions);
        return op;
    }

    private ByteBuf batch(int records) {
        ByteBuf b = PartitionTest.batch(records, -1, -1, false);
        batches.add(b);
        return b;
    }

    /** Records its completions. */
    private final class Produce extends DelayedProduce<DelayedProduce.Append> {
        int completions;
        boolean expired;
        boolean completedOnHome;

        Produce(int acks, long timeoutMs) {
            super(home, shards, acks, timeoutMs, 1);
        }

        Produce with(Partition p, int records) {
            add(new Append(p, batch(records)));
            return this;
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            completions++;
            this.expired = expired;
            completedOnHome = home.inExecutor();
        }

        Append only() {
            return appends().get(0);
        }
    }

    /** Starts {@code op} as a handler would, on the home executor, and runs home and shard until idle. */
    private void startAndRun(Produce op) {
        home.execute(op::start);
        QueueExecutor.runAll(home, shard);
    }

    private static ErrorCode code(Throwable t) {
        return assertInstanceOf(SamsaException.class, t).errorCode();
    }

    @Test
    void acksZeroAndOneCompleteOnceAppendedWithOneHopThereAndOneBack() throws IOException {
        Partition p = partition();
        for (int acks : new int[] {0, 1}) {
            Produce op = new Produce(acks, 1000).with(p, 2);
            int shardBefore = shard.handOffs();
            int homeBefore = home.handOffs();
            startAndRun(op);
            assertEquals(1, op.completions);
            assertTrue(op.completedOnHome);
            assertNull(op.only().error());
            assertEquals(acks == 0 ? 0 : 2, op.only().result().firstOffset());
            assertEquals(1, shard.handOffs() - shardBefore, "acks=" + acks + ": the append's hop to the shard");
            assertEquals(2, home.handOffs() - homeBefore, "the start, then one hop back");
            assertEquals(0, p.liveWatcherCount(), "nothing parked");
        }
    }

    @Test
    void acksAllCompletesAtOnceWhenTheHighWatermarkAlreadyPassed() throws IOException {
        Partition p = partition();
        Produce op = new Produce(-1, 1000).with(p, 3);
        startAndRun(op);
        assertEquals(1, op.completions);
        assertFalse(op.expired);
        assertEquals(2, op.only().result().lastOffset());
        assertTrue(op.only().committed());
        assertEquals(3, p.highWatermark());
        assertEquals(0, home.timers(), "no timeout was armed");
    }

    @Test
    void acksAllNeedsMinInsyncReplicasButAcksOneDoesNot() throws IOException {
        partitions = new TestPartitions(dir, FileForcer.SYSTEM);
        Partition p = partitions.create("orders", 3, shard, LogConfig.DEFAULTS, List.of(TestPartitions.NODE),
                List.of(TestPartitions.NODE, 2), 2);
        Produce all = new Produce(-1, 1000).with(p, 1);
        startAndRun(all);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, code(all.only().error()));
        assertNull(all.only().result());
        assertEquals(0, p.logEndOffset(), "nothing was written");
        Produce one = new Produce(1, 1000).with(p, 1);
        startAndRun(one);
        assertNull(one.only().error());
        assertEquals(0, one.only().result().firstOffset());
        assertEquals(1, p.logEndOffset());
        assertEquals(0, p.highWatermark(), "KIP-966: below min ISR even an acks=1 record is not committed");
    }

    @Test
    void inDurableModeOnlyTheShardMovesTheHighWatermarkAfterTheFsync() throws Exception {
        Partition p = durable();
        Produce op = parkedAcksAll(p, 30_000);
        assertEquals(2, p.logEndOffset());
        assertEquals(0, p.highWatermark());
        assertEquals(1, p.liveWatcherCount());
        assertEquals(1, home.timers(), "the timeout is armed on the home executor");

        forcer.gate.countDown();
        op.only().result().durable().get(10, TimeUnit.SECONDS);
        assertTrue(shard.awaitQueued(), "the flusher posts \"durable up to 2\" to the shard");
        assertEquals(0, p.highWatermark(), "the flusher's thread did not move it");
        assertEquals(0, home.queued(), "nor woke anyone");

        assertEquals(1, shard.runPending());
        assertEquals(2, p.highWatermark(), "the shard moved it");
        assertEquals(0, op.completions, "the check runs on the home executor");
        QueueExecutor.runAll(home, shard);
        assertEquals(1, op.completions);
        assertFalse(op.expired);
        assertTrue(op.only().committed());
        assertNull(op.only().error());
        assertEquals(0, home.timers(), "the timeout was cancelled");
    }

    @Test
    void inDurableModeAcksOneWaitsForTheFsyncButNotForTheShard() throws Exception {
        Partition p = durable();
        Produce op = new Produce(1, 30_000).with(p, 1);
        startAndRun(op);
        assertEquals(0, op.completions);
        assertEquals(0, home.timers(), "acks=1 has no timeout");
        forcer.gate.countDown();
        assertTrue(home.awaitQueued(), "the fsync's completion wakes the request directly");
        home.runPending();
        assertEquals(1, op.completions);
        assertNull(op.only().error());
        assertEquals(0, p.highWatermark(), "the shard has not run yet: acks=1 does not need the high watermark");
        // The fsync's completion wakes the request and posts "durable up to 1" to the shard, in either order.
        assertTrue(shard.awaitQueued(), "the flusher posts \"durable up to 1\" to the shard");
        shard.runPending();
        assertEquals(1, p.highWatermark());
    }

    @Test
    void acksOneOverManyPartitionsHopsBackOnceAfterTheLastFsync() throws Exception {
        partitions = new TestPartitions(dir, forcer);
        Produce op = new Produce(1, 30_000);
        for (int i = 0; i < 3; i++) {
            op.with(partitions.create("t", i, shard, DURABLE, List.of(TestPartitions.NODE), 1), 1);
        }
        startAndRun(op);
        assertEquals(0, op.completions);
        int before = home.handOffs();
        forcer.gate.countDown();
        for (DelayedProduce.Append a : op.appends()) {
            a.result().durable().get(10, TimeUnit.SECONDS);
        }
        assertTrue(home.awaitQueued());
        assertEquals(1, home.handOffs() - before, "one wake-up for three fsyncs");
        home.runPending();
        assertEquals(1, op.completions);
    }

    @Test
    void acksAllTimesOutThroughTheHomeExecutorsTimer() throws IOException {
        Produce op = parkedAcksAll(durable(), 500);
        home.advance(499);
        assertEquals(0, op.completions);
        home.advance(1);
        assertEquals(1, op.completions);
        assertTrue(op.expired);
        Throwable e = op.only().error();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, code(e));
        assertEquals("The high watermark of orders-3 did not reach offset 1 within 500 ms", e.getMessage());
        assertNull(op.only().result());
    }

    @Test
    void acksAllFailsWhenLeadershipMovesBeforeTheCommit() throws IOException {
        Partition p = durable();
        Produce op = parkedAcksAll(p, 30_000);
        shard.execute(() -> p.update(new PartitionState(2, 8, List.of(2), List.of(1, 2)), 1));
        QueueExecutor.runAll(shard, home);
        assertEquals(1, op.completions);
        assertFalse(op.expired);
        Throwable e = op.only().error();
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, code(e));
        assertEquals("Lost leadership of orders-3 before offset 2 was committed", e.getMessage());
        assertFalse(op.only().committed());
        assertEquals(0, home.timers());
    }

    @Test
    void aPartitionDeletedWhileWaitingCompletesWithItsOffsets() throws IOException {
        Partition p = durable();
        Produce op = parkedAcksAll(p, 30_000);
        shard.execute(p::markDeleted);
        QueueExecutor.runAll(shard, home);
        assertEquals(1, op.completions);
        assertNull(op.only().error(), "today's answer: the offsets the append got");
        assertEquals(0, op.only().result().firstOffset());
        assertFalse(op.only().committed(), "but it was never committed");
    }

    @Test
    void aFailedFsyncIsAStorageError() throws Exception {
        FileForcer failing = new FileForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                throw new IOException("disk on fire");
            }

            @Override
            public void forceDirectory(Path d) {
            }
        };
        Partition p = partition(failing, DURABLE, 1);
        Produce op = new Produce(-1, 30_000).with(p, 1);
        startAndRun(op);
        if (op.completions == 0) {
            // The fsync failed after the gather: the failure is posted to the shard, which wakes the request.
            assertTrue(shard.awaitQueued());
            QueueExecutor.runAll(shard, home);
        }
        assertEquals(1, op.completions);
        Throwable e = op.only().error();
        assertNotNull(e);
        assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, code(e));
        assertEquals("The write to orders-3 could not be made durable", e.getMessage());
        assertEquals(0, p.highWatermark());
    }

    /** A transactional append that verifies its transaction first, as the Produce handler's does. */
    private static final class VerifyingAppend extends DelayedProduce.Append {
        boolean verified;

        VerifyingAppend(Partition p, ByteBuf records) {
            super(p, records);
        }

        @Override
        protected void runOnShard() {
            if (!verified) {
                verified = true;
                io.samsa.log.VerificationGuard g = partition.startTransactionVerification(7, 0, (short) 0, false);
                guard(g);
                if (g.isGuard()) {
                    defer();
                    return;
                }
            }
            super.runOnShard();
        }
    }

    /** Defers like a Produce handler waiting for the coordinator, then settles as the test says. */
    private final class Verifying extends DelayedProduce<DelayedProduce.Append> {
        int deferrals;
        int completions;
        boolean rejectNext;

        Verifying() {
            super(home, shards, -1, 30_000, 2);
        }

        @Override
        protected void onAppendsDeferred() {
            deferrals++;
            for (DelayedProduce.Append a : appends()) {
                if (a.isDeferred() && rejectNext) {
                    a.reject(new SamsaException(ErrorCode.INVALID_TXN_STATE, "not in the transaction"));
                }
            }
            // The coordinator answers later, on another thread: resume from there.
            shard.execute(this::resumeDeferred);
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            completions++;
        }
    }

    @Test
    void deferredAppendsWaitForTheirVerificationThenRunAgain() throws IOException {
        Partition p = partition();
        Verifying op = new Verifying();
        VerifyingAppend txn = new VerifyingAppend(p, txnBatch(2, 0));
        op.add(txn);
        op.add(new DelayedProduce.Append(p, batch(1)));
        home.execute(op::start);
        QueueExecutor.runAll(home, shard);
        assertEquals(1, op.deferrals);
        assertEquals(1, op.completions);
        assertNull(txn.error());
        assertEquals(0, op.appends().get(1).result().firstOffset(), "the plain append ran in the first round");
        assertEquals(1, txn.result().firstOffset(), "the verified one after it, at the first unstable offset");
        assertEquals(1, p.log().firstUnstableOffset());
        assertEquals(1, p.lastStableOffset());
        // A second transactional batch of the ongoing transaction needs no verification.
        Verifying again = new Verifying();
        VerifyingAppend more = new VerifyingAppend(p, txnBatch(1, 2));
        again.add(more);
        home.execute(again::start);
        QueueExecutor.runAll(home, shard);
        assertEquals(0, again.deferrals);
        assertEquals(3, more.result().firstOffset());
    }

    @Test
    void aRejectedDeferredAppendWritesNothing() throws IOException {
        Partition p = partition();
        Verifying op = new Verifying();
        op.rejectNext = true;
        VerifyingAppend txn = new VerifyingAppend(p, txnBatch(2, 0));
        op.add(txn);
        home.execute(op::start);
        QueueExecutor.runAll(home, shard);
        assertEquals(1, op.completions);
        assertEquals(ErrorCode.INVALID_TXN_STATE, code(txn.error()));
        assertEquals(0, p.logEndOffset());
    }

    @Test
    void aMarkerMovesTheLastStableOffset() throws IOException {
        Partition p = partition();
        p.appendAsLeader(txnBatch(2, 0), -1);
        assertEquals(0, p.lastStableOffset());
        assertEquals(2, p.highWatermark());
        var marker = p.appendTransactionMarker(7, (short) 0, false, 3, (short) 0, -1);
        assertEquals(2, marker.firstOffset());
        assertEquals(3, p.highWatermark());
        assertEquals(3, p.lastStableOffset());
        assertEquals(1, p.log().collectAbortedTransactions(0, 3).size());
    }

    /** A transactional batch of producer 7, epoch 0. */
    private ByteBuf txnBatch(int records, int seq) {
        ByteBuf b = PartitionTest.batch(records, 7, seq, true);
        batches.add(b);
        return b;
    }
}
