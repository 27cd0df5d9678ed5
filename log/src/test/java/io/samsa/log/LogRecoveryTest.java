package io.samsa.log;

import io.samsa.common.ManualClock;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crash images: cut or damage the last segment and check that recovery keeps exactly the valid prefix. */
class LogRecoveryTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int BATCHES = 40;
    private static final int PER_BATCH = 3;
    private static final Map<String, String> PROPS = Map.of(LogConfig.SEGMENT_BYTES, "1500",
            LogConfig.INDEX_INTERVAL_BYTES, "60", LogConfig.SEGMENT_INDEX_BYTES, "4096");

    @TempDir
    Path tmp;
    ManualClock clock = new ManualClock(T0);
    LogManager manager;
    Log log;
    /** Position of each batch within its segment and its segment's base offset. */
    final List<long[]> layout = new ArrayList<>();
    final Map<Long, String> expected = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        manager = open(tmp.resolve("live"));
        log = manager.getOrCreate("t", 0, LogConfig.fromMap(PROPS));
        for (int i = 0; i < BATCHES; i++) {
            int segsBefore = log.segmentCount();
            int posBefore = log.activeSegmentSize();
            AppendResult r = TestLogs.append(log, TestLogs.batch(T0 + 10L * i, PER_BATCH, "b" + i + "-", 7L,
                    (short) 0, i * PER_BATCH, false, Compression.NONE), 1);
            long base = log.segmentBaseOffsets().get(log.segmentCount() - 1);
            int pos = log.segmentCount() != segsBefore ? 0 : posBefore;
            layout.add(new long[] {base, pos, r.firstOffset()});
            for (int j = 0; j < PER_BATCH; j++) {
                expected.put(r.firstOffset() + j, "b" + i + "-" + j);
            }
        }
        assertTrue(log.segmentCount() >= 3, "segments: " + log.segmentCount());
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private LogManager open(Path dataDir) throws IOException {
        return LogManager.builder(dataDir).clock(clock).scheduler(new TestLogs.ManualScheduler())
                .forcer(TestLogs.NO_FSYNC)
                .configs(t -> LogConfig.fromMap(PROPS)).build();
    }

    /** A crash image of the live log in a fresh data dir, with the last segment's file returned. */
    private Path image(String name) throws IOException {
        Path img = tmp.resolve(name);
        TestLogs.copyTree(log.dir(), img.resolve("t-0"));
        long lastBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        return img.resolve("t-0").resolve(String.format("%020d.log", lastBase));
    }

    /** Recovers the image and checks it holds exactly the first {@code batches} batches, all reachable. */
    private void recoverAndCheck(Path img, int batches) throws IOException {
        try (LogManager m = open(img)) {
            assertFalse(m.startedClean());
            Log r = m.get("t", 0);
            long end = (long) batches * PER_BATCH;
            assertEquals(end, r.logEndOffset(), "log end after recovery of " + img);
            Map<Long, String> want = new HashMap<>();
            for (long o = 0; o < end; o++) {
                want.put(o, expected.get(o));
            }
            assertEquals(want, TestLogs.readAll(r, 0));
            for (int i = 0; i < batches; i++) {
                long first = (long) i * PER_BATCH;
                ReadResult rr = r.read(first + 1, 1, Long.MAX_VALUE, true);
                assertEquals(first, rr.records().firstOffset());
                rr.release();
                assertEquals(first + 1, r.offsetForTimestamp(T0 + 10L * i + 1).offset());
            }
            assertEquals(-1, r.offsetForTimestamp(T0 + 10L * batches + 5).offset());
            // Producer state was rebuilt: the next sequence continues, a retry of the last batch is a duplicate.
            if (batches > 0) {
                int lastSeq = (batches - 1) * PER_BATCH;
                AppendResult dup = TestLogs.append(r, TestLogs.batch(T0, PER_BATCH, "x", 7L, (short) 0, lastSeq, false,
                        Compression.NONE), 1);
                assertTrue(dup.duplicate());
                assertEquals(end - PER_BATCH, dup.firstOffset());
            }
            AppendResult next = TestLogs.append(r, TestLogs.batch(T0, PER_BATCH, "n", 7L, (short) 0,
                    batches * PER_BATCH, false, Compression.NONE), 1);
            assertEquals(end, next.firstOffset());
        }
    }

    @Test
    void cutAtEveryByteOfTheLastBatches() throws Exception {
        long lastBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        int lastSegSize = log.activeSegmentSize();
        int firstCut = -1;
        int batchesBefore = 0;
        for (int i = 0; i < BATCHES; i++) {
            if (layout.get(i)[0] == lastBase) {
                if (firstCut < 0) {
                    firstCut = (int) layout.get(BATCHES - 2 >= i ? BATCHES - 2 : i)[1];
                    batchesBefore = i;
                }
            }
        }
        int startBatch = Math.max(batchesBefore, BATCHES - 2);
        for (int cut = (int) layout.get(startBatch)[1]; cut <= lastSegSize; cut++) {
            Path seg = image("cut" + cut);
            try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
                f.setLength(cut);
            }
            int whole = startBatch;
            for (int b = startBatch; b < BATCHES; b++) {
                long end = b + 1 < BATCHES ? layout.get(b + 1)[1] : lastSegSize;
                if (end <= cut) {
                    whole = b + 1;
                }
            }
            recoverAndCheck(seg.getParent().getParent(), whole);
        }
    }

    /**
     * A crash image cut at the start and in the middle of every batch of every segment, the later segments left in
     * place (a roll's new file that survived while the tail of the previous one did not) and no recovery point
     * checkpoint: recovery keeps exactly the batches before the cut and drops everything after it.
     */
    @Test
    void cutAtEveryBatchBoundaryAndMidBatchOfEverySegment() throws Exception {
        for (int b = 0; b < BATCHES; b++) {
            long base = layout.get(b)[0];
            long start = layout.get(b)[1];
            boolean lastInSegment = b + 1 == BATCHES || layout.get(b + 1)[0] != base;
            Path probe = segmentOf(image("probe" + b), base);
            long end = lastInSegment ? Files.size(probe) : layout.get(b + 1)[1];
            for (long cut : new long[] {start, start + (end - start) / 2}) {
                Path seg = segmentOf(image("cut" + b + "-" + cut), base);
                try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
                    f.setLength(cut);
                }
                // Bytes below a checkpointed recovery point were forced and cannot be lost: the image is one whose
                // checkpoint never reached the disk, so recovery scans every segment.
                Files.deleteIfExists(seg.getParent().resolve(Log.RECOVERY_POINT_CHECKPOINT));
                recoverAndCheck(seg.getParent().getParent(), b);
            }
        }
    }

    private static Path segmentOf(Path lastSegment, long base) {
        return lastSegment.getParent().resolve(String.format("%020d.log", base));
    }

    @Test
    void flippedBytesCutTheLogAtTheDamagedBatch() throws Exception {
        Random random = new Random(42);
        long lastBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        List<Integer> inLast = new ArrayList<>();
        for (int i = 0; i < BATCHES; i++) {
            if (layout.get(i)[0] == lastBase) {
                inLast.add(i);
            }
        }
        int lastSegSize = log.activeSegmentSize();
        for (int round = 0; round < 30; round++) {
            int b = inLast.get(random.nextInt(inLast.size()));
            long start = layout.get(b)[1];
            long end = b + 1 < BATCHES ? layout.get(b + 1)[1] : lastSegSize;
            // The base offset (0-7) and leader epoch (12-15) are outside the CRC, as in Kafka.
            int within;
            do {
                within = random.nextInt((int) (end - start));
            } while (within < 8 || (within >= 12 && within < 16));
            Path seg = image("flip" + round);
            try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
                f.seek(start + within);
                int old = f.read();
                f.seek(start + within);
                f.write(old ^ (1 << random.nextInt(8)));
            }
            recoverAndCheck(seg.getParent().getParent(), b);
        }
    }

    @Test
    void uncleanImageWithoutDamageKeepsEverything() throws Exception {
        Path seg = image("whole");
        recoverAndCheck(seg.getParent().getParent(), BATCHES);
    }

    @Test
    void recoveryTakesTheEpochsOfTheRescannedBatchesOverANewerCheckpoint() throws Exception {
        // A power loss brought the segments back as they were before a truncation, while the epoch checkpoint
        // written after it survived: it says epoch 2 began at 60, the batches there are epoch 1's.
        Path img = image("epochs").getParent();
        Files.deleteIfExists(img.resolve(Log.RECOVERY_POINT_CHECKPOINT));
        Files.writeString(img.resolve(Log.LEADER_EPOCH_CHECKPOINT), "0\n2\n1 0\n2 60\n");
        try (LogManager m = open(img.getParent())) {
            Log r = m.get("t", 0);
            assertEquals((long) BATCHES * PER_BATCH, r.logEndOffset());
            assertEquals(1, r.latestEpoch(), "the batches' epoch, not the checkpoint's");
            assertEquals(1, r.epochForOffset(60));
            assertEquals(new EpochEndOffset(1, (long) BATCHES * PER_BATCH), r.endOffsetForEpoch(1));
        }
    }

    @Test
    void corruptOrMissingIndexesAreRebuiltAfterCleanShutdown() throws Exception {
        Path live = log.dir();
        manager.close();
        List<Long> bases = log.segmentBaseOffsets();
        // Garbage in the first segment's offset index, the second's time index missing.
        Path idx = live.resolve(String.format("%020d.index", bases.get(0)));
        byte[] junk = new byte[(int) Files.size(idx)];
        new Random(1).nextBytes(junk);
        Files.write(idx, junk);
        Files.delete(live.resolve(String.format("%020d.timeindex", bases.get(1))));
        manager = open(tmp.resolve("live"));
        assertTrue(manager.startedClean());
        Log again = manager.get("t", 0);
        assertEquals(expected, TestLogs.readAll(again, 0));
        for (int i = 0; i < BATCHES; i++) {
            assertEquals((long) i * PER_BATCH + 2, again.offsetForTimestamp(T0 + 10L * i + 2).offset());
            ReadResult rr = again.read((long) i * PER_BATCH + 2, 1, Long.MAX_VALUE, true);
            assertEquals((long) i * PER_BATCH, rr.records().firstOffset());
            rr.release();
        }
        log = again;
    }
}
