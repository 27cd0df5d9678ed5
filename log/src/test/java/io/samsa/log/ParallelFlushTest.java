package io.samsa.log;

import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flusher's scheduling with {@code flush.messages=1}: different logs are forced at the same time, an append
 * that arrives during its log's force is covered by the next force as soon as that one returns (not by a poll),
 * and a failed force fails exactly the appends it covered and takes the log offline. Forces are held and
 * released with latches inside the {@link FileForcer}; nothing sleeps.
 */
class ParallelFlushTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long NEVER_MS = 3_600_000;
    private static final LogConfig FSYNC_EACH = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    @TempDir
    Path dir;

    private LogManager manager(FileForcer forcer) throws IOException {
        // The periodic pass never runs by itself: every force here is caused by an append's request.
        return LogManager.builder(dir).clock(new ManualClock(T0)).forcer(forcer).flusherPollMs(NEVER_MS)
                .scheduler(new TestLogs.ManualScheduler()).build();
    }

    private static boolean isLog(Path file) {
        return file.getFileName().toString().endsWith(".log");
    }

    @Test
    void forcesOfDifferentLogsRunAtTheSameTime() throws Exception {
        CountDownLatch bothInForce = new CountDownLatch(2);
        AtomicInteger sawTheOther = new AtomicInteger();
        TestLogs.CountingForcer forcer = new TestLogs.CountingForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                if (isLog(file)) {
                    bothInForce.countDown();
                    try {
                        // A flusher that forces logs one after another never lets the two forces meet.
                        if (bothInForce.await(10, TimeUnit.SECONDS)) {
                            sawTheOther.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.force(channel, file);
            }
        };
        try (LogManager m = manager(forcer)) {
            Log a = m.getOrCreate("p", 0, FSYNC_EACH);
            Log b = m.getOrCreate("p", 1, FSYNC_EACH);
            CompletableFuture<Void> fa = TestLogs.append(a, TestLogs.batch(T0, 2), 0).durable();
            CompletableFuture<Void> fb = TestLogs.append(b, TestLogs.batch(T0, 3), 0).durable();
            fa.get(20, TimeUnit.SECONDS);
            fb.get(20, TimeUnit.SECONDS);
            assertEquals(2, sawTheOther.get(), "each log's force was under way while the other's was");
            assertEquals(2, forcer.logForces.get());
            assertEquals(2, a.recoveryPoint());
            assertEquals(3, b.recoveryPoint());
        }
    }

    @Test
    void anAppendDuringItsLogsForceIsCoveredByTheNextForceOnlyAndAtOnce() throws Exception {
        CountDownLatch inFirstForce = new CountDownLatch(1);
        CountDownLatch releaseFirstForce = new CountDownLatch(1);
        TestLogs.CountingForcer forcer = new TestLogs.CountingForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                if (isLog(file) && logForces.get() == 0) {
                    inFirstForce.countDown();
                    try {
                        releaseFirstForce.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.force(channel, file);
            }
        };
        try (LogManager m = manager(forcer)) {
            Log log = m.getOrCreate("q", 0, FSYNC_EACH);
            Path file = log.dir().resolve("00000000000000000000.log");
            CompletableFuture<Void> first = TestLogs.append(log, TestLogs.batch(T0, 1), 0).durable();
            long firstEnd = log.activeSegmentSize();
            assertTrue(inFirstForce.await(10, TimeUnit.SECONDS));

            CompletableFuture<Void> second = TestLogs.append(log, TestLogs.batch(T0, 1), 0).durable();
            long secondEnd = log.activeSegmentSize();
            assertFalse(first.isDone(), "the force has not returned");
            assertFalse(second.isDone());
            releaseFirstForce.countDown();

            first.get(10, TimeUnit.SECONDS);
            assertTrue(forcer.forcedSize.get(file) >= firstEnd);
            // No poll interval passes (it is an hour): the second force starts as soon as the first returns.
            second.get(10, TimeUnit.SECONDS);
            assertTrue(forcer.forcedSize.get(file) >= secondEnd, "forced " + forcer.forcedSize.get(file)
                    + " bytes, the second append ends at " + secondEnd);
            assertEquals(2, forcer.logForces.get(), "one force for the first append, one for the second");
            assertEquals(2, log.recoveryPoint());
        }
    }

    @Test
    void aFailedForceFailsTheAppendsItCoveredAndTakesTheLogOffline() throws Exception {
        FileForcer failing = new FileForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                if (isLog(file)) {
                    throw new IOException("Simulated EIO on " + file);
                }
                channel.force(false);
            }

            @Override
            public void forceDirectory(Path d) throws IOException {
                FileForcer.SYSTEM.forceDirectory(d);
            }
        };
        try (LogManager m = manager(failing)) {
            Log bad = m.getOrCreate("r", 0, FSYNC_EACH);
            CompletableFuture<Void> f = TestLogs.append(bad, TestLogs.batch(T0, 1), 0).durable();
            ExecutionException failed = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof SamsaException, String.valueOf(failed.getCause()));
            assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, ((SamsaException) failed.getCause()).errorCode());
            assertTrue(bad.isOffline());
            assertEquals(0, bad.recoveryPoint());
            SamsaException e = assertThrows(SamsaException.class,
                    () -> TestLogs.append(bad, TestLogs.batch(T0, 1), 0));
            assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, e.errorCode());
        }
    }
}
