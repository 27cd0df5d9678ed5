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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Question: how many 16 KiB record batches per second can one core CRC32C-check on the produce path
 * ({@link RecordBatchView#isCrcValid()}), in heap and pooled direct buffers, and does the check
 * allocate? (Expect zero bytes/op: the view reuses its checksum and the buffer's internal NIO view.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CrcBenchmark {
    @Param({"heap", "direct"})
    public String memory;

    private ByteBuf batch;
    private final RecordBatchView view = new RecordBatchView();

    @Setup(Level.Trial)
    public void setUp() {
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(memory.equals("direct"));
        // 15 records of 1 KiB plus keys and framing: just under 16 KiB.
        batch = Batches.build(alloc, CompressionType.NONE, Batches.values(15, 1024, 1));
        ByteBuf sized = alloc.buffer(16 * 1024);
        sized.writeBytes(batch);
        batch.release();
        batch = sized;
        view.wrap(batch, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
    }

    @Benchmark
    public boolean isCrcValid() {
        return view.isCrcValid();
    }
}
