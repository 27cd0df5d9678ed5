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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Question: with {@code flush.messages=1} (fsync before acknowledging), how much of the no-fsync append
 * throughput does group commit keep when 8 appenders (threads, one partition each) each wait for their
 * append's {@code durable()} future before the next one? Compare {@code flush=1} with {@code flush=none}
 * (same 8 threads, future already complete). Target: at least 50%. One op = one 16 KiB batch of 1 KiB
 * records; ops/s is the sum over the threads. {@code -p flusherThreads=1,2,4,8} shows what forcing logs in
 * parallel buys.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@Threads(GroupCommitBenchmark.APPENDERS)
public class GroupCommitBenchmark {
    static final int APPENDERS = 8;

    /** The shared log manager and its 8 partitions, fresh for each iteration. */
    @State(Scope.Benchmark)
    public static class Logs {
        @Param({"1", "none"})
        public String flush;

        /** The flusher's forcing threads ({@code LogManager.Builder.flusherThreads}); 1 forces one log at a time. */
        @Param({"8"})
        public int flusherThreads;

        final Log[] logs = new Log[APPENDERS];
        final AtomicInteger nextPartition = new AtomicInteger();
        private Path dir;
        private LogManager manager;

        @Setup(Level.Iteration)
        public void setUp() throws IOException {
            dir = TempDirs.create("samsa-bench-group-commit");
            manager = LogManager.builder(dir).flusherThreads(flusherThreads).build();
            Map<String, String> props = new HashMap<>();
            if (!flush.equals("none")) {
                props.put(LogConfig.FLUSH_MESSAGES, flush);
            }
            LogConfig config = LogConfig.fromMap(props);
            for (int p = 0; p < APPENDERS; p++) {
                logs[p] = manager.getOrCreate("bench", p, config);
            }
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws IOException {
            manager.close();
            TempDirs.delete(dir);
        }
    }

    /** One appender: its own partition (the single writer of that log) and its own batch buffer. */
    @State(Scope.Thread)
    public static class Appender {
        int partition = -1;
        ByteBuf batch;

        @Setup(Level.Trial)
        public void setUp() {
            batch = Batches.build(new PooledByteBufAllocator(true), CompressionType.NONE,
                    Batches.values(Batches.recordsPerBatch(1024, 16 * 1024), 1024, 12));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            batch.release();
        }
    }

    @Benchmark
    public long appendAndWaitDurable(Logs logs, Appender me) {
        if (me.partition < 0) {
            me.partition = logs.nextPartition.getAndIncrement() % APPENDERS;
        }
        var result = logs.logs[me.partition].appendAsLeader(me.batch, 0);
        result.durable().join();
        return result.lastOffset();
    }
}
