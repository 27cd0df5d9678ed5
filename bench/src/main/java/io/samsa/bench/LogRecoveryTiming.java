package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.wire.record.CompressionType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Question: how long does a {@link LogManager} take to open a partition of 1 GiB (16 KiB batches of 1 KiB
 * records, default 1 GiB segments) after a clean stop (target: under 1 s), and how fast does it scan after
 * an unclean stop, where every batch's header and CRC32C is checked and the indexes rebuilt (target: at
 * least 300 MB/s)? The unclean case is made by removing the clean-shutdown marker and setting the recovery
 * point to 0, so the whole log is scanned. A plain program, not JMH: each measurement is one event.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.LogRecoveryTiming [MiB] [rounds]}. The
 * files were just written, so they are in the page cache: the scan figure is CPU-bound, not the disk's.
 * Prints one {@code key=value} line per round for scripts. Deletes its directory.
 */
public final class LogRecoveryTiming {
    private LogRecoveryTiming() {
    }

    public static void main(String[] args) throws IOException {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = TempDirs.create("samsa-bench-recovery");
        try {
            long bytes;
            long endOffset;
            try (LogManager m = LogManager.builder(dir).build()) {
                Log log = m.getOrCreate("bench", 0, LogConfig.DEFAULTS);
                ByteBuf batch = Batches.build(new PooledByteBufAllocator(true), CompressionType.NONE,
                        Batches.values(Batches.recordsPerBatch(1024, 16 * 1024), 1024, 14));
                try {
                    while (log.sizeInBytes() + batch.readableBytes() <= mib * 1024 * 1024) {
                        log.appendAsLeader(batch, 0);
                    }
                } finally {
                    batch.release();
                }
                bytes = log.sizeInBytes();
                endOffset = log.logEndOffset();
            }
            for (int round = 1; round <= rounds; round++) {
                long cleanNanos = open(dir, endOffset, true);
                makeUnclean(dir);
                long uncleanNanos = open(dir, endOffset, false);
                System.out.printf(Locale.ROOT, "round=%d log_bytes=%d clean_open_ms=%.1f unclean_open_ms=%.1f"
                                + " unclean_scan_mb_s=%.0f%n", round, bytes, cleanNanos / 1e6, uncleanNanos / 1e6,
                        bytes / 1e6 / (uncleanNanos / 1e9));
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Opens the data directory, checks the recovered log end offset, closes cleanly; returns the open time. */
    private static long open(Path dir, long expectedEnd, boolean expectClean) throws IOException {
        long start = System.nanoTime();
        try (LogManager m = LogManager.builder(dir).build()) {
            long elapsed = System.nanoTime() - start;
            Log log = m.get("bench", 0);
            if (m.startedClean() != expectClean || log == null || log.logEndOffset() != expectedEnd) {
                throw new IllegalStateException("Recovered " + log + " (clean=" + m.startedClean()
                        + "), expected log end " + expectedEnd);
            }
            return elapsed;
        }
    }

    /** As after a crash: no clean-shutdown marker, and a recovery point of 0 so every batch is scanned. */
    private static void makeUnclean(Path dir) throws IOException {
        Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Path part = dir.resolve(LogManager.dirName("bench", 0));
        Files.writeString(part.resolve(Log.RECOVERY_POINT_CHECKPOINT), "0\n1\n0\n", StandardCharsets.US_ASCII);
    }
}
