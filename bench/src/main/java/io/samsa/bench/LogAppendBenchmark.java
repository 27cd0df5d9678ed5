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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Question: how close does {@link Log#appendAsLeader} come to the disk's raw write path? One thread appends
 * 16 KiB batches of 1 KiB records (validation, CRC32C, offset assignment, index entries, positional write;
 * no fsync: Kafka's default durability), against a plain loop of {@link FileChannel#write} of the same bytes
 * into a file, measured in the same run. Target: {@code appendLog} at least 70% of {@code fileChannelWrite}
 * (ops/s, one op = one 16 KiB batch). Each iteration starts from an empty directory under /tmp (or
 * {@code -Dbench.dir}) that is deleted afterwards, so neither side runs on a file that grew for longer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LogAppendBenchmark {
    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
    private ByteBuf batch;
    private ByteBuffer nio;
    private Path dir;
    private LogManager manager;
    private Log log;
    private FileChannel channel;
    private long position;

    @Setup(Level.Trial)
    public void setUpBatch() {
        batch = Batches.build(alloc, CompressionType.NONE, Batches.values(Batches.recordsPerBatch(1024, 16 * 1024),
                1024, 11));
        nio = ByteBuffer.allocateDirect(batch.readableBytes());
        nio.put(batch.nioBuffer());
        nio.flip();
    }

    @TearDown(Level.Trial)
    public void tearDownBatch() {
        batch.release();
    }

    @Setup(Level.Iteration)
    public void setUp() throws IOException {
        dir = TempDirs.create("samsa-bench-append");
        manager = LogManager.builder(dir.resolve("data")).build();
        log = manager.getOrCreate("bench", 0, LogConfig.fromMap(Map.of()));
        channel = FileChannel.open(dir.resolve("plain.log"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        position = 0;
    }

    @TearDown(Level.Iteration)
    public void tearDown() throws IOException {
        channel.close();
        manager.close();
        TempDirs.delete(dir);
    }

    /** One 16 KiB batch through the log's leader append (borrowed, rewritten in place). */
    @Benchmark
    public long appendLog() {
        return log.appendAsLeader(batch, 0).lastOffset();
    }

    /** The same bytes written with a plain positional FileChannel.write loop. */
    @Benchmark
    public long fileChannelWrite() throws IOException {
        nio.clear();
        while (nio.hasRemaining()) {
            position += channel.write(nio, position);
        }
        return position;
    }
}
