package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.common.SerialExecutor;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionState;
import io.samsa.replication.ShardProxy;
import io.samsa.wire.record.CompressionType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Question: what does replication's produce path add to a log append, in time and objects? One produce of one
 * 16 KiB batch of 1 KiB records through {@link ShardProxy#scatter}, {@link Partition#appendAsLeader} and
 * {@link DelayedProduce} (acks=1, acks=all), with the benchmark thread as both the connection loop and the
 * partition's shard (no hop: what a produce to a partition of the connection's own event loop costs), against
 * {@link Log#appendAsLeader} alone in the same run. With {@code -prof gc}, the difference in bytes/op is the
 * per-request cost (the request's gather, one append object); nothing is allocated per record. Each iteration
 * starts from an empty directory under /tmp (or {@code -Dbench.dir}), deleted afterwards.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProducePathBenchmark {
    /** The benchmark thread is every executor: hand-offs run inline. */
    private static final SerialExecutor INLINE = new SerialExecutor() {
        @Override
        public boolean inExecutor() {
            return true;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public Cancellable schedule(Runnable task, long delayMs) {
            throw new UnsupportedOperationException("nothing waits in this benchmark");
        }
    };

    @Param({"1", "-1"})
    public int acks;

    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
    private final ShardProxy shards = new ShardProxy(List.of(INLINE));
    private ByteBuf batch;
    private Path dir;
    private LogManager manager;
    private Log log;
    private Partition partition;

    /** Completes with the batch's last offset. */
    private static final class Produce extends DelayedProduce<DelayedProduce.Append> {
        long lastOffset;

        Produce(ShardProxy shards, int acks) {
            super(INLINE, shards, acks, 30_000, 1);
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            lastOffset = appends().get(0).result().lastOffset();
        }
    }

    @Setup(Level.Trial)
    public void setUpBatch() {
        batch = Batches.build(alloc, CompressionType.NONE, Batches.values(Batches.recordsPerBatch(1024, 16 * 1024),
                1024, 11));
    }

    @TearDown(Level.Trial)
    public void tearDownBatch() {
        batch.release();
    }

    @Setup(Level.Iteration)
    public void setUp() {
        dir = TempDirs.create("samsa-bench-produce");
        try {
            manager = LogManager.builder(dir).build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        log = manager.getOrCreate("bench", 0, LogConfig.fromMap(Map.of()));
        partition = new Partition("bench", 0, new UUID(1, 1), log, 1, new PartitionState(1, 0, List.of(1), List.of(1)),
                1, INLINE);
    }

    @TearDown(Level.Iteration)
    public void tearDown() throws IOException {
        manager.close();
        TempDirs.delete(dir);
    }

    /** One produce request of one batch: scatter, append on the (same-thread) shard, gather, acks. */
    @Benchmark
    public long produce() {
        Produce op = new Produce(shards, acks);
        op.add(new DelayedProduce.Append(partition, batch));
        op.start();
        return op.lastOffset;
    }

    /** The log append alone, for comparison. */
    @Benchmark
    public long logAppendOnly() {
        return log.appendAsLeader(batch, 0).lastOffset();
    }
}
