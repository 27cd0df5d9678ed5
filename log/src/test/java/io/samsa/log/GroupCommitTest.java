package io.samsa.log;

import io.samsa.common.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** flush.messages=1: appends are acknowledged only after an fsync, and concurrent appends share fsyncs. */
class GroupCommitTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int THREADS_PER_LOG = 4;
    private static final int LOGS = 2;
    private static final int APPENDS = 25;

    @TempDir
    Path dir;

    @Test
    void concurrentAppendersShareFsyncsAndCompleteOnlyAfterTheirBytesAreForced() throws Exception {
        CountDownLatch firstAppends = new CountDownLatch(THREADS_PER_LOG * LOGS);
        TestLogs.CountingForcer forcer = new TestLogs.CountingForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                try {
                    // Hold the first fsync until every appender has appended once: they must then share.
                    firstAppends.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.force(channel, file);
            }
        };
        LogConfig cfg = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1", LogConfig.SEGMENT_INDEX_BYTES, "4096"));
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger appends = new AtomicInteger();
        try (LogManager manager = LogManager.builder(dir).clock(new ManualClock(T0)).forcer(forcer)
                .scheduler(new TestLogs.ManualScheduler()).build()) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < LOGS; p++) {
                Log log = manager.getOrCreate("g", p, cfg);
                Path file = log.dir().resolve("00000000000000000000.log");
                for (int t = 0; t < THREADS_PER_LOG; t++) {
                    threads.add(new Thread(() -> {
                        for (int i = 0; i < APPENDS; i++) {
                            CompletableFuture<Void> durable;
                            long end;
                            // One writer per partition: the lock stands in for the partition's shard.
                            synchronized (log) {
                                AppendResult r = TestLogs.append(log, TestLogs.batch(T0, 1), 0);
                                durable = r.durable();
                                end = log.activeSegmentSize();
                            }
                            appends.incrementAndGet();
                            if (i == 0) {
                                firstAppends.countDown();
                            }
                            try {
                                durable.get(20, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                failures.incrementAndGet();
                                continue;
                            }
                            if (forcer.forcedSize.getOrDefault(file, 0L) < end) {
                                failures.incrementAndGet();
                            }
                        }
                    }));
                }
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(60_000);
                assertFalse(t.isAlive());
            }
            assertEquals(0, failures.get());
            assertEquals(LOGS * THREADS_PER_LOG * APPENDS, appends.get());
            assertTrue(forcer.logForces.get() < appends.get(), "fsyncs " + forcer.logForces.get() + " for "
                    + appends.get() + " appends");
            for (Log log : manager.logs()) {
                assertEquals(log.logEndOffset(), log.recoveryPoint());
            }
        }
    }

    @Test
    void withoutFlushMessagesAppendsDoNotWaitForFsync() throws Exception {
        TestLogs.CountingForcer forcer = new TestLogs.CountingForcer();
        try (LogManager manager = LogManager.builder(dir).clock(new ManualClock(T0)).forcer(forcer)
                .scheduler(new TestLogs.ManualScheduler()).build()) {
            Log log = manager.getOrCreate("n", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "4096")));
            for (int i = 0; i < 10; i++) {
                assertTrue(TestLogs.append(log, TestLogs.batch(T0, 1), 0).durable().isDone());
            }
            assertEquals(0, forcer.logForces.get());
            assertEquals(0, log.recoveryPoint());
        }
    }
}
