package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.log.ReadResult;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Question: does resolving a random offset to a file slice ({@link Log#read} of one batch) stay logarithmic
 * in the segment's size? One segment of 16 MiB, 128 MiB or 1 GiB of 16 KiB batches (1 KiB records; one
 * offset-index entry per batch at the default {@code index.interval.bytes}), read at random offsets: a
 * binary search of the memory-mapped index, then a scan of batch headers from the entry found. Expect the
 * time per lookup to grow by a small constant per doubling (a few ns), not in proportion to the size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class OffsetLookupBenchmark {
    private static final int LOOKUPS = 1 << 14;

    @Param({"16", "128", "1024"})
    public int segmentMiB;

    private final long[] offsets = new long[LOOKUPS];
    private Path dir;
    private LogManager manager;
    private Log log;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = TempDirs.create("samsa-bench-lookup");
        manager = LogManager.builder(dir).build();
        log = manager.getOrCreate("bench", 0,
                LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(Integer.MAX_VALUE))));
        ByteBuf batch = Batches.build(new PooledByteBufAllocator(true), CompressionType.NONE,
                Batches.values(Batches.recordsPerBatch(1024, 16 * 1024), 1024, 13));
        try {
            long target = segmentMiB * 1024L * 1024L;
            while (log.sizeInBytes() + batch.readableBytes() <= target) {
                log.appendAsLeader(batch, 0);
            }
        } finally {
            batch.release();
        }
        if (log.segmentCount() != 1) {
            throw new IllegalStateException("Expected one segment, found " + log.segmentCount());
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < LOOKUPS; i++) {
            offsets[i] = random.nextLong(log.logEndOffset());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        manager.close();
        TempDirs.delete(dir);
    }

    /** Reads the batch holding a random offset (one batch: maxBytes 1 with minOneMessage). */
    @Benchmark
    public long readAtRandomOffset() {
        long offset = offsets[next++ & (LOOKUPS - 1)];
        ReadResult r = log.read(offset, 1, Long.MAX_VALUE, true);
        try {
            return r.records().firstOffset() + r.records().position();
        } finally {
            r.release();
        }
    }
}
