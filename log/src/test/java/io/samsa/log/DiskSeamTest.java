package io.samsa.log;

import io.samsa.common.Disk;
import io.samsa.common.ManualClock;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file operation of the log goes through its {@link Disk}: the log runs in a virtual directory that lies
 * under a regular file, so any call that bypassed the disk seam would fail; the disk maps the virtual directory to
 * a real one. The workload touches every kind of file: segments with rolls and index growth, producer snapshots,
 * checkpoints, the transaction index, retention and delayed deletion, a partition deletion, clean and unclean
 * restarts.
 */
class DiskSeamTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    @Test
    void theLogTouchesFilesOnlyThroughItsDisk() throws Exception {
        Path blocker = Files.createFile(tmp.resolve("not-a-directory"));
        Path virtual = blocker.resolve("data");
        Path real = Files.createDirectory(tmp.resolve("real"));
        RebasedDisk disk = new RebasedDisk(virtual, real);
        ManualClock clock = new ManualClock(T0);
        TestLogs.ManualScheduler deleter = new TestLogs.ManualScheduler();
        LogConfig cfg = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "2000", LogConfig.INDEX_INTERVAL_BYTES, "0",
                LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.FLUSH_MESSAGES, "1",
                LogConfig.FILE_DELETE_DELAY_MS, "0"));
        long end;
        try (LogManager m = LogManager.builder(virtual).disk(disk).clock(clock).scheduler(deleter)
                .configs(t -> cfg).build()) {
            Log log = m.getOrCreate("t", 0, cfg);
            for (int i = 0; i < 60; i++) {
                AppendResult r = TestLogs.append(log, TestLogs.batch(T0 + i, 2, "v", 7L, (short) 0, 3 * i, true,
                        Compression.NONE), 1);
                TestLogs.append(log, TestLogs.batch(T0 + i, 1, "w", 7L, (short) 0, 3 * i + 2, true,
                        Compression.NONE), 1);
                log.appendTransactionMarker(7L, (short) 0, i % 2 == 0, 0, 1).durable().get(10, TimeUnit.SECONDS);
                r.durable().get(10, TimeUnit.SECONDS);
            }
            assertTrue(log.segmentCount() > 3, "segments " + log.segmentCount());
            log.increaseLogStartOffset(100);
            assertTrue(log.deleteOldSegments(log.logEndOffset()) > 0);
            deleter.runAll();
            m.flusherBarrier().get(10, TimeUnit.SECONDS);
            end = log.logEndOffset();
            m.getOrCreate("gone", 0, cfg);
            m.delete("gone", 0);
            deleter.runAll();
        }
        assertTrue(disk.calls.get() > 100, "calls " + disk.calls.get());
        assertTrue(Files.exists(real.resolve("t-0").resolve(Log.LOG_START_OFFSET_CHECKPOINT)));
        try (var files = Files.list(real)) {
            assertEquals(List.of(LogManager.CLEAN_SHUTDOWN_FILE, "t-0"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the deleted partition is gone");
        }
        // Clean restart, then an unclean one (the marker removed by hand).
        for (boolean clean : new boolean[] {true, false}) {
            if (!clean) {
                Files.delete(real.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
            }
            try (LogManager m = LogManager.builder(virtual).disk(disk).clock(clock).scheduler(deleter)
                    .configs(t -> cfg).build()) {
                assertEquals(clean, m.startedClean());
                Log log = m.get("t", 0);
                assertEquals(end, log.logEndOffset());
                assertEquals(100, log.logStartOffset());
                // Four offsets per transaction, every other one aborted: 18 aborts end at or above offset 100.
                assertEquals(18, log.collectAbortedTransactions(100, end).size());
                assertEquals(240, end);
                assertEquals(3 * (60 - 25), TestLogs.readAll(log, 100).size(), "three records per transaction");
            }
        }
    }

    /** The real file system, with {@code virtual} mapped to {@code real}; counts calls. */
    private static final class RebasedDisk implements Disk {
        final AtomicInteger calls = new AtomicInteger();
        private final Path virtual;
        private final Path real;

        RebasedDisk(Path virtual, Path real) {
            this.virtual = virtual;
            this.real = real;
        }

        private Path in(Path p) {
            calls.incrementAndGet();
            if (!p.startsWith(virtual)) {
                throw new AssertionError("The log used " + p + " outside its data directory " + virtual);
            }
            return real.resolve(virtual.relativize(p).toString());
        }

        private Path out(Path p) {
            return virtual.resolve(real.relativize(p).toString());
        }

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return SYSTEM.open(in(file), options);
        }

        @Override
        public ByteBuffer map(Path file, FileChannel.MapMode mode, long length) throws IOException {
            return SYSTEM.map(in(file), mode, length);
        }

        @Override
        public void force(ByteBuffer mapping) throws IOException {
            calls.incrementAndGet();
            SYSTEM.force(mapping);
        }

        @Override
        public void unmap(ByteBuffer mapping) {
            SYSTEM.unmap(mapping);
        }

        @Override
        public void force(FileChannel channel) throws IOException {
            calls.incrementAndGet();
            SYSTEM.force(channel);
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            SYSTEM.forceDirectory(in(dir));
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            SYSTEM.move(in(source), in(target), options);
        }

        @Override
        public boolean deleteIfExists(Path path) throws IOException {
            return SYSTEM.deleteIfExists(in(path));
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            SYSTEM.createDirectories(in(dir));
        }

        @Override
        public boolean exists(Path path) {
            return SYSTEM.exists(in(path));
        }

        @Override
        public boolean isDirectory(Path path) {
            return SYSTEM.isDirectory(in(path));
        }

        @Override
        public long size(Path file) throws IOException {
            return SYSTEM.size(in(file));
        }

        @Override
        public long lastModifiedMillis(Path file) throws IOException {
            return SYSTEM.lastModifiedMillis(in(file));
        }

        @Override
        public List<Path> list(Path dir) throws IOException {
            List<Path> out = new ArrayList<>();
            for (Path p : SYSTEM.list(in(dir))) {
                out.add(out(p));
            }
            return out;
        }

        @Override
        public byte[] readAllBytes(Path file) throws IOException {
            return SYSTEM.readAllBytes(in(file));
        }
    }
}
