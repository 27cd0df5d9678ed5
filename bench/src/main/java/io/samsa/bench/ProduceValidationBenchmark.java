package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Question: what does record-level produce validation (issue 15: every record walked, compressed batches
 * decompressed) cost a leader's append? One thread appends one 16 KiB batch (before compression) of 1 KiB or
 * 100 B records, uncompressed, LZ4 or ZSTD, through {@link Log#appendAsLeader} with the topic's
 * {@code compression.type=producer} (stored as sent; no fsync). Run the same class on the commit before the
 * validator for the "before" column (docs/benchmarks.md). Each iteration starts from an empty directory under
 * /tmp (or {@code -Dbench.dir}) that is deleted afterwards.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProduceValidationBenchmark {
    @Param({"1024", "100"})
    public int recordSize;

    @Param({"NONE", "LZ4", "ZSTD"})
    public String codec;

    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
    private ByteBuf batch;
    private Path dir;
    private LogManager manager;
    private Log log;

    @Setup(Level.Trial)
    public void setUpBatch() {
        batch = Batches.build(alloc, CompressionType.valueOf(codec),
                Batches.values(Batches.recordsPerBatch(recordSize, 16 * 1024), recordSize, 11));
    }

    @TearDown(Level.Trial)
    public void tearDownBatch() {
        batch.release();
    }

    @Setup(Level.Iteration)
    public void setUp() throws IOException {
        dir = TempDirs.create("samsa-bench-validate");
        manager = LogManager.builder(dir.resolve("data")).build();
        log = manager.getOrCreate("bench", 0, LogConfig.fromMap(Map.of()));
    }

    @TearDown(Level.Iteration)
    public void tearDown() throws IOException {
        manager.close();
        TempDirs.delete(dir);
    }

    /** One batch through the leader's append: header checks, the record walk, offsets, the write. */
    @Benchmark
    public long appendAsLeader() {
        return log.appendAsLeader(batch, 0).lastOffset();
    }
}
