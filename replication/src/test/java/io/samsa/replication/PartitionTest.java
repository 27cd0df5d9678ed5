package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.common.ThreadExecutor;
import io.samsa.log.AppendResult;
import io.samsa.log.FileForcer;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class PartitionTest {
    private static final int NODE = 1;

    @TempDir
    Path dir;
    private LogManager logs;
    /** The partitions' shard; the test thread plays it for direct calls, durable completions post to it. */
    private final ThreadExecutor shard = new ThreadExecutor("test-shard");

    @AfterEach
    void close() throws IOException {
        shard.close();
        if (logs != null) {
            logs.close();
        }
    }

    private Partition partition(LogConfig config, FileForcer forcer, List<Integer> isr, int minIsr)
            throws IOException {
        logs = LogManager.builder(dir).clock(new ManualClock(1_000)).forcer(forcer).build();
        Log l = logs.getOrCreate("orders", 3, config);
        return new Partition("orders", 3, UUID.randomUUID(), l, NODE, new PartitionState(NODE, 7, isr, isr), minIsr,
                shard);
    }

    private Partition partition() throws IOException {
        return partition(LogConfig.DEFAULTS, FileForcer.SYSTEM, List.of(NODE), 1);
    }

    static ByteBuf batch(int count, long pid, int seq, boolean txn) {
        SimpleRecord[] recs = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            recs[i] = new SimpleRecord(1_000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords mr = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.NONE,
                TimestampType.CREATE_TIME, pid, pid < 0 ? (short) -1 : (short) 0, seq,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, txn, recs);
        return Unpooled.wrappedBuffer(mr.buffer());
    }

    private static AppendResult append(Partition p, ByteBuf b, int acks) {
        try {
            return p.appendAsLeader(b, acks);
        } finally {
            b.release();
        }
    }

    static List<String> values(PartitionRead r) throws IOException {
        try {
            ByteBuffer buf = ByteBuffer.allocate(r.records().length());
            FileChannel ch = r.records().channel();
            long pos = r.records().position();
            while (buf.hasRemaining()) {
                pos += ch.read(buf, pos);
            }
            buf.flip();
            List<String> out = new ArrayList<>();
            for (RecordBatch b : MemoryRecords.readableRecords(buf).batches()) {
                for (Record rec : b) {
                    out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
                }
            }
            return out;
        } finally {
            r.records().release();
        }
    }

    @Test
    void appendMovesTheHighWatermarkToTheLogEndAndReadsBackWithOffsets() throws IOException {
        Partition p = partition();
        assertEquals(0, p.highWatermark());
        AppendResult r1 = append(p, batch(3, -1, -1, false), 1);
        AppendResult r2 = append(p, batch(2, -1, -1, false), -1);
        assertEquals(0, r1.firstOffset());
        assertEquals(3, r2.firstOffset());
        assertEquals(5, p.highWatermark());
        assertEquals(5, p.lastStableOffset());
        PartitionRead read = p.read(0, 1 << 20, false, true);
        assertEquals(5, read.highWatermark());
        assertEquals(0, read.logStartOffset());
        assertEquals(List.of("0:v0", "1:v1", "2:v2", "3:v0", "4:v1"), values(read));
        // The whole batch holding offset 4 comes back, from its base offset 3.
        assertEquals(List.of("3:v0", "4:v1"), values(p.read(4, 1 << 20, false, true)));
        assertTrue(p.read(5, 1 << 20, false, true).records().isEmpty());
        SamsaException e = assertThrows(SamsaException.class, () -> p.read(6, 100, false, true));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.errorCode());
    }

    @Test
    void ackAllNeedsMinInsyncReplicas() throws IOException {
        logs = LogManager.builder(dir).clock(new ManualClock(1_000)).build();
        Partition p = new Partition("orders", 3, UUID.randomUUID(), logs.getOrCreate("orders", 3, LogConfig.DEFAULTS),
                NODE, new PartitionState(NODE, 7, List.of(NODE), List.of(NODE, 2)), 2, shard);
        SamsaException e = assertThrows(SamsaException.class, () -> append(p, batch(1, -1, -1, false), -1));
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, e.errorCode());
        assertTrue(e.getMessage().contains("orders-3"), e.getMessage());
        assertEquals(0, p.logEndOffset(), "nothing was written");
        assertEquals(0, append(p, batch(1, -1, -1, false), 1).firstOffset());
        p.update(new PartitionState(NODE, 7, List.of(NODE, 2), List.of(NODE, 2)), 2);
        assertEquals(1, append(p, batch(1, -1, -1, false), -1).firstOffset());
    }

    @Test
    void minInsyncReplicasAboveTheReplicationFactorCountsAsTheReplicas() throws IOException {
        // Kafka since 3.7 (KAFKA-15583): the effective min ISR is min(min.insync.replicas, replicas).
        Partition p = partition(LogConfig.DEFAULTS, FileForcer.SYSTEM, List.of(NODE), 2);
        assertEquals(1, p.effectiveMinInsyncReplicas());
        assertEquals(0, append(p, batch(2, -1, -1, false), -1).firstOffset());
        assertEquals(2, p.highWatermark(), "alone and allowed to be: the high watermark follows the log end");
        assertFalse(p.isUnderMinIsr());
    }

    @Test
    void onlyTheLeaderAcceptsAppendsAndReads() throws IOException {
        Partition p = partition();
        p.update(new PartitionState(2, 8, List.of(2), List.of(NODE, 2)), 1);
        SamsaException e = assertThrows(SamsaException.class, () -> append(p, batch(1, -1, -1, false), 1));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, e.errorCode());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                assertThrows(SamsaException.class, () -> p.read(0, 10, false, true)).errorCode());
        p.markDeleted();
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                assertThrows(SamsaException.class, () -> append(p, batch(1, -1, -1, false), 1)).errorCode());
    }

    /** A forcer whose fsyncs wait for the test to let them through. */
    static final class GatedForcer implements FileForcer {
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            await();
            channel.force(true);
        }

        @Override
        public void forceDirectory(Path d) {
        }

        private void await() throws IOException {
            try {
                if (!gate.await(20, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    @Test
    void inDurableModeTheHighWatermarkWaitsForTheFsync() throws Exception {
        GatedForcer forcer = new GatedForcer();
        Partition p = partition(LogConfig.fromMap(Map.of("flush.messages", "1")), forcer, List.of(NODE), 1);
        assertTrue(p.isDurableMode());
        AtomicInteger wakeups = new AtomicInteger();
        CountDownLatch woken = new CountDownLatch(1);
        p.watch(new PartitionWatcher() {
            @Override
            public void onPartitionChange() {
                wakeups.incrementAndGet();
                woken.countDown();
            }

            @Override
            public boolean isDone() {
                return false;
            }
        });
        AppendResult r = append(p, batch(2, -1, -1, false), -1);
        assertEquals(2, p.logEndOffset());
        assertEquals(0, p.highWatermark(), "not durable yet");
        assertTrue(p.read(0, 1 << 20, false, true).records().isEmpty(), "consumers cannot see it yet");
        assertFalse(r.durable().isDone());
        forcer.gate.countDown();
        r.durable().get(20, TimeUnit.SECONDS);
        // The future's completion posts "durable up to 2" to the shard, which moves the HW and wakes watchers.
        assertTrue(woken.await(20, TimeUnit.SECONDS));
        assertEquals(2, p.highWatermark());
        assertEquals(1, wakeups.get());
        assertEquals(List.of("0:v0", "1:v1"), values(p.read(0, 1 << 20, false, true)));
    }

    @Test
    void readCommittedStopsAtTheFirstOpenTransaction() throws IOException {
        Partition p = partition();
        append(p, batch(2, -1, -1, false), 1);
        append(p, batch(2, 42, 0, true), 1);
        append(p, batch(1, -1, -1, false), 1);
        assertEquals(5, p.highWatermark());
        assertEquals(2, p.lastStableOffset());
        PartitionRead committed = p.read(0, 1 << 20, true, true);
        assertEquals(2, committed.lastStableOffset());
        assertEquals(List.of("0:v0", "1:v1"), values(committed));
        assertEquals(5, values(p.read(0, 1 << 20, false, true)).size());
    }

    @Test
    void deleteRecordsRaisesTheLogStartButNotPastTheHighWatermark() throws IOException {
        Partition p = partition();
        append(p, batch(4, -1, -1, false), 1);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(SamsaException.class, () -> p.deleteRecordsBefore(5)).errorCode());
        assertEquals(2, p.deleteRecordsBefore(2));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(SamsaException.class, () -> p.read(1, 100, false, true)).errorCode());
        assertEquals(4, p.deleteRecordsBefore(-1), "-1 means the high watermark");
        assertEquals(4, p.logStartOffset());
    }

    @Test
    void delayedOperationCoalescesWakeupsAndCompletesOnce() throws IOException {
        Partition p = partition();
        List<Runnable> queued = new ArrayList<>();
        AtomicInteger checks = new AtomicInteger();
        AtomicInteger completions = new AtomicInteger();
        DelayedOperation op = new DelayedOperation(queued::add) {
            @Override
            protected boolean tryComplete() {
                checks.incrementAndGet();
                return p.highWatermark() >= 3 && complete();
            }

            @Override
            protected void onComplete(boolean expired) {
                assertFalse(expired);
                completions.incrementAndGet();
            }
        };
        p.watch(op);
        assertEquals(1, p.liveWatcherCount());
        append(p, batch(1, -1, -1, false), 1);
        append(p, batch(1, -1, -1, false), 1);
        assertEquals(1, queued.size(), "two wake-ups, one scheduled check");
        queued.remove(0).run();
        assertEquals(1, checks.get());
        assertFalse(op.isDone());
        append(p, batch(1, -1, -1, false), 1);
        queued.remove(0).run();
        assertTrue(op.isDone());
        assertEquals(1, p.watcherCount(), "still listed until the next change");
        assertEquals(0, p.liveWatcherCount(), "but no longer waiting");
        assertEquals(1, completions.get());
        assertFalse(op.expire(), "already completed");
        append(p, batch(1, -1, -1, false), 1);
        assertTrue(queued.isEmpty(), "a completed operation is not woken");
        assertEquals(0, p.watcherCount(), "and was dropped");
    }
}
