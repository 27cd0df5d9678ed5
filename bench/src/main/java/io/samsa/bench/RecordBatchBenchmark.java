package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;
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
 * Question: what does it cost in time and bytes allocated to build a batch of 16 records of 1 KiB
 * with {@code RecordBatchBuilder}, and to iterate one with {@code RecordCursor} (every record's
 * offset, timestamp, key and value located), per codec? Building is the internal-topic and control
 * path; iterating is the compaction and key-check path. An uncompressed batch should iterate with
 * zero allocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RecordBatchBenchmark {
    private static final int RECORDS = 16;

    @Param({"NONE", "LZ4", "ZSTD"})
    public String compression;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final RecordBatchView view = new RecordBatchView();
    private final RecordCursor cursor = new RecordCursor();
    private CompressionType type;
    private byte[][] values;
    private ByteBuf batch;

    @Setup(Level.Trial)
    public void setUp() {
        type = CompressionType.valueOf(compression);
        values = Batches.values(RECORDS, 1024, 2);
        batch = Batches.build(alloc, type, values);
        view.wrap(batch, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
    }

    @Benchmark
    public int build() {
        ByteBuf built = Batches.build(alloc, type, values);
        int size = built.readableBytes();
        built.release();
        return size;
    }

    @Benchmark
    public long iterate() {
        long sum = 0;
        cursor.open(view, alloc, 1 << 20);
        try {
            while (cursor.next()) {
                sum += cursor.offset() + cursor.timestamp() + cursor.keyLength() + cursor.valueLength()
                        + cursor.buffer().getByte(cursor.valueIndex());
            }
        } finally {
            cursor.close();
        }
        return sum;
    }
}
