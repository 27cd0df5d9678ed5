package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchView;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Question: what does offset assignment cost per batch on the append path: wrap a view, read the
 * last offset delta, rewrite the base offset and leader epoch in place in a pooled direct buffer?
 * (Expect nanoseconds and zero bytes/op: the CRC does not cover these fields.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BaseOffsetRewriteBenchmark {
    private final RecordBatchView view = new RecordBatchView();
    private ByteBuf batch;
    private long nextOffset;

    @Setup(Level.Trial)
    public void setUp() {
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        batch = Batches.build(alloc, CompressionType.NONE, Batches.values(16, 1024, 3));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
    }

    @Benchmark
    public long assignOffsets() {
        view.wrap(batch, 0);
        long base = nextOffset;
        view.setBaseOffset(base);
        view.setPartitionLeaderEpoch(7);
        nextOffset = view.nextOffset();
        return nextOffset;
    }
}
