package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Test helpers: batches built by the official client (the oracle), reading back, crash images. */
final class TestLogs {
    private TestLogs() {
    }

    /** A batch of {@code count} records "v0".."vN" with timestamps ts, ts+1, ... */
    static ByteBuf batch(long ts, int count) {
        return batch(ts, count, "v", -1, (short) -1, -1, false, Compression.NONE);
    }

    static ByteBuf batch(long ts, int count, String valuePrefix, long pid, short epoch, int seq, boolean txn,
                         Compression compression) {
        SimpleRecord[] recs = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            recs[i] = new SimpleRecord(ts + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (valuePrefix + i).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords mr = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, compression,
                TimestampType.CREATE_TIME, pid, epoch, seq, RecordBatch.NO_PARTITION_LEADER_EPOCH, txn, recs);
        ByteBuffer b = mr.buffer();
        ByteBuf out = Unpooled.buffer(b.remaining());
        out.writeBytes(b);
        return out;
    }

    static ByteBuf idempotent(long pid, short epoch, int seq, long ts, int count) {
        return batch(ts, count, "p", pid, epoch, seq, false, Compression.NONE);
    }

    static ByteBuf concat(ByteBuf... parts) {
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf p : parts) {
            out.writeBytes(p);
            p.release();
        }
        return out;
    }

    /** Appends and releases. */
    static AppendResult append(Log log, ByteBuf b, int epoch) {
        try {
            return log.appendAsLeader(b, epoch);
        } finally {
            b.release();
        }
    }

    /** The bytes of a slice, copied through the heap (tests only). */
    static ByteBuffer bytes(FileSlice slice) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(slice.length());
        FileChannel ch = slice.channel();
        while (b.hasRemaining()) {
            if (ch.read(b, slice.position() + b.position()) < 0) {
                throw new IOException("short read");
            }
        }
        b.flip();
        return b;
    }

    /** Every record from {@code from} to the log end as offset -> value, read back through the official client. */
    static Map<Long, String> readAll(Log log, long from) throws IOException {
        Map<Long, String> out = new HashMap<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ReadResult r = log.read(next, 64 * 1024, Long.MAX_VALUE, true);
            try {
                if (r.records().isEmpty()) {
                    break;
                }
                MemoryRecords mr = MemoryRecords.readableRecords(bytes(r.records()));
                for (RecordBatch b : mr.batches()) {
                    b.ensureValid();
                    for (Record rec : b) {
                        if (!b.isControlBatch()) {
                            out.put(rec.offset(), StandardCharsets.UTF_8.decode(rec.value()).toString());
                        }
                    }
                    next = b.nextOffset();
                }
            } finally {
                r.release();
            }
        }
        return out;
    }

    /** Batches (as the official client sees them) of one read. */
    static List<RecordBatch> batches(ReadResult r) throws IOException {
        List<RecordBatch> out = new ArrayList<>();
        if (r.records().isEmpty()) {
            return out;
        }
        for (RecordBatch b : MemoryRecords.readableRecords(bytes(r.records())).batches()) {
            out.add(b);
        }
        return out;
    }

    /** Copies a directory tree: the image a crash would leave (page cache included, fsync irrelevant). */
    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                try {
                    Files.copy(f, to.resolve(from.relativize(f)), StandardCopyOption.REPLACE_EXISTING);
                } catch (java.nio.file.NoSuchFileException e) {
                    // A checkpoint's temp file renamed by the flusher while we walk: a crash image may lack it.
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    /** Forces nothing: for tests whose crash images are copies, where fsync cannot matter. */
    static final FileForcer NO_FSYNC = new FileForcer() {
        @Override
        public void force(FileChannel channel, Path file) {
        }

        @Override
        public void forceDirectory(Path dir) {
        }
    };

    /** A scheduler that runs tasks only when the test says so. Thread-safe. */
    static final class ManualScheduler implements Scheduler {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public synchronized Cancellable schedule(Runnable task, long delayMs) {
            tasks.add(task);
            return () -> tasks.remove(task);
        }

        synchronized void runAll() {
            List<Runnable> copy = new ArrayList<>(tasks);
            tasks.clear();
            copy.forEach(Runnable::run);
        }
    }

    /**
     * A {@link SerialExecutor} whose tasks run only inside {@link #runReady}, on the test's thread: timers fall due
     * by the given clock. Not thread-safe.
     */
    static final class ManualExecutor implements SerialExecutor {
        private final Clock clock;
        private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
        private final List<long[]> dueTimes = new ArrayList<>();
        private final List<Runnable> timers = new ArrayList<>();
        private boolean running;

        ManualExecutor(Clock clock) {
            this.clock = clock;
        }

        @Override
        public void execute(Runnable task) {
            ready.add(task);
        }

        @Override
        public Cancellable schedule(Runnable task, long delayMs) {
            dueTimes.add(new long[] {clock.milliseconds() + delayMs});
            timers.add(task);
            return () -> {
                int i = timers.indexOf(task);
                if (i < 0) {
                    return false;
                }
                timers.remove(i);
                dueTimes.remove(i);
                return true;
            };
        }

        @Override
        public boolean inExecutor() {
            return running;
        }

        /** Runs every task that is ready, and every timer due by now, until none is left; returns how many ran. */
        int runReady() {
            int ran = 0;
            while (true) {
                for (int i = 0; i < timers.size(); i++) {
                    if (dueTimes.get(i)[0] <= clock.milliseconds()) {
                        ready.add(timers.remove(i));
                        dueTimes.remove(i);
                        i--;
                    }
                }
                Runnable task = ready.poll();
                if (task == null) {
                    return ran;
                }
                running = true;
                try {
                    task.run();
                } finally {
                    running = false;
                }
                ran++;
            }
        }
    }

    /** Counts forces of .log files and remembers how many bytes each file had when forced. */
    static class CountingForcer implements FileForcer {
        final AtomicInteger logForces = new AtomicInteger();
        final Map<Path, Long> forcedSize = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            long size = channel.size();
            channel.force(false);
            if (file.getFileName().toString().endsWith(".log")) {
                logForces.incrementAndGet();
                forcedSize.merge(file, size, Math::max);
            }
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            FileForcer.SYSTEM.forceDirectory(dir);
        }
    }
}
