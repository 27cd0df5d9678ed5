package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.common.ManualClock;
import io.samsa.log.LogManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metadata log over the log module: appends, recovery, snapshots and trimming (ported from MetadataLogTest). */
class SegmentedRaftLogTest {
    private static final RaftLogConfig CONFIG = new RaftLogConfig(1 << 20, 1 << 20, 2, 10);
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final QueueExecutor scheduler = new QueueExecutor();

    @TempDir
    Path dataDir;

    static List<String> batch(int i) {
        return List.of("topic-" + i, "partition-" + i);
    }

    private RaftLog open() throws IOException {
        return open(CONFIG);
    }

    private RaftLog open(RaftLogConfig config) throws IOException {
        return RaftLog.open(dataDir, config, clock, scheduler);
    }

    /** Appends {@code records} as one batch in {@code epoch} and waits until it is on disk. Returns its base. */
    private long append(RaftLog log, int epoch, List<String> records) {
        ByteBuf batch = BatchCodec.encode(UnpooledByteBufAllocator.DEFAULT, log.endOffset(), epoch, clock.milliseconds(),
            records, StringSerde.INSTANCE);
        try {
            RaftLog.Appended a = log.appendAsLeader(batch, epoch);
            a.durable().get(10, TimeUnit.SECONDS);
            return a.firstOffset();
        } catch (Exception e) {
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e);
        } finally {
            batch.release();
        }
    }

    /** Every batch in the log, decoded. */
    private static List<Batch<String>> batches(RaftLog log) {
        List<Batch<String>> out = new ArrayList<>();
        long next = log.startOffset();
        while (next < log.endOffset()) {
            // One read returns batches of one segment.
            ByteBuf buf = log.read(next, log.endOffset(), Integer.MAX_VALUE);
            try {
                RecordBatchView view = new RecordBatchView();
                for (int pos = 0; pos < buf.writerIndex(); pos += view.sizeInBytes()) {
                    view.wrap(buf, pos);
                    view.validate(buf.writerIndex() - pos);
                    Batch<String> b = BatchCodec.decode(view, StringSerde.INSTANCE, UnpooledByteBufAllocator.DEFAULT);
                    out.add(b);
                    next = b.lastOffset() + 1;
                }
            } finally {
                buf.release();
            }
        }
        return out;
    }

    private Path dir() {
        return dataDir.resolve(RaftLog.DIR_NAME);
    }

    private Path onlySegment() throws IOException {
        try (var files = Files.list(dir())) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
            assertEquals(1, logs.size(), logs.toString());
            return logs.get(0);
        }
    }

    /** A crash: the next open must recover from the files alone. */
    private void forgetCleanShutdown() throws IOException {
        Files.deleteIfExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
    }

    @Test
    void appendsSurviveReopenWithOffsetsAndEpochs() throws IOException {
        try (RaftLog log = open()) {
            assertEquals(0, log.endOffset());
            assertEquals(-1, log.lastEpoch());
            assertEquals(0, append(log, 1, batch(0)));
            assertEquals(2, append(log, 1, batch(1)));
            assertEquals(4, append(log, 2, batch(2)));
        }
        try (RaftLog log = open()) {
            List<Batch<String>> batches = batches(log);
            assertEquals(List.of(0L, 2L, 4L), batches.stream().map(Batch::baseOffset).toList());
            assertEquals(List.of(1, 1, 2), batches.stream().map(Batch::epoch).toList());
            assertEquals(batch(1), batches.get(1).records());
            assertEquals(1_000_000L, batches.get(0).appendTimestamp());
            assertEquals(6, log.endOffset());
            assertEquals(2, log.lastEpoch());
            assertEquals(6, append(log, 2, batch(3)));
            assertEquals(new io.samsa.log.EpochEndOffset(1, 4), log.endOffsetForEpoch(1));
        }
        assertTrue(Files.isDirectory(dir()));
    }

    @Test
    void olderEpochIsRefused() throws IOException {
        try (RaftLog log = open()) {
            append(log, 3, batch(0));
            assertThrows(IllegalArgumentException.class, () -> append(log, 2, batch(1)));
        }
    }

    @Test
    void tornTailAtEveryByteKeepsExactlyTheCompletePrefix() throws IOException {
        Path segment;
        long lastBatchStart;
        long fullSize;
        try (RaftLog log = open()) {
            append(log, 1, batch(0));
            append(log, 1, batch(1));
            segment = onlySegment();
            lastBatchStart = Files.size(segment);
            append(log, 1, batch(2));
            fullSize = Files.size(segment);
        }
        byte[] full = Files.readAllBytes(segment);
        for (long cut = lastBatchStart; cut < fullSize; cut++) {
            Files.write(segment, Arrays.copyOf(full, (int) cut));
            forgetCleanShutdown();
            boolean appendAfter = (cut - lastBatchStart) % 8 == 0;
            try (RaftLog log = open()) {
                assertEquals(2, batches(log).size(), "cut at " + cut);
                assertEquals(4, log.endOffset(), "cut at " + cut);
                assertEquals(lastBatchStart, Files.size(segment), "cut at " + cut);
                if (appendAfter) {
                    // The log takes appends after the cut, at the right offset.
                    assertEquals(4, append(log, 1, batch(9)));
                }
            }
            if (appendAfter) {
                try (RaftLog log = open()) {
                    List<Batch<String>> batches = batches(log);
                    assertEquals(3, batches.size());
                    assertEquals(batch(9), batches.get(2).records());
                }
            }
        }
    }

    @Test
    void corruptByteInTheLastBatchCutsIt() throws IOException {
        Path segment;
        long lastBatchStart;
        try (RaftLog log = open()) {
            append(log, 1, batch(0));
            segment = onlySegment();
            lastBatchStart = Files.size(segment);
            append(log, 1, batch(1));
        }
        byte[] full = Files.readAllBytes(segment);
        // Bytes 17.. are covered by the CRC (the base offset, length and leader epoch before it are not).
        for (int i = (int) lastBatchStart + RecordBatchView.MAGIC_OFFSET; i < full.length; i++) {
            byte[] corrupt = full.clone();
            corrupt[i] ^= 0x40;
            Files.write(segment, corrupt);
            forgetCleanShutdown();
            try (RaftLog log = open()) {
                assertEquals(1, batches(log).size(), "byte " + i);
                assertEquals(2, log.endOffset());
            }
        }
    }

    @Test
    void garbageAppendedAfterTheLogIsCut() throws IOException {
        Path segment;
        try (RaftLog log = open()) {
            append(log, 1, batch(0));
            segment = onlySegment();
        }
        long good = Files.size(segment);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}));
        }
        forgetCleanShutdown();
        try (RaftLog log = open()) {
            assertEquals(1, batches(log).size());
            assertEquals(good, Files.size(segment));
        }
    }

    private static void writeSnapshot(RaftLog log, SnapshotId id, String record) throws IOException {
        ByteBuf bytes = SnapshotCodec.encode(UnpooledByteBufAllocator.DEFAULT,
            new Snapshot<>(id, 5, List.of(record)), StringSerde.INSTANCE, 7);
        try {
            log.writeSnapshot(id, bytes);
        } finally {
            bytes.release();
        }
    }

    private static Snapshot<String> readSnapshot(RaftLog log, SnapshotId id) throws IOException {
        ByteBuf bytes = log.readSnapshot(id);
        try {
            return SnapshotCodec.decode(id, bytes, StringSerde.INSTANCE, UnpooledByteBufAllocator.DEFAULT);
        } finally {
            bytes.release();
        }
    }

    @Test
    void snapshotThenTrimKeepsOnlyTheTail() throws IOException {
        try (RaftLog log = open()) {
            append(log, 1, batch(0));
            append(log, 1, batch(1));
            writeSnapshot(log, new SnapshotId(4, 1), "abc");
            assertEquals(1, log.trimToSnapshots());
            scheduler.runAll();
            append(log, 2, batch(2));
            // The only snapshot covers offsets 0..3, so the segment holding them is gone.
            assertEquals(List.of("00000000000000000004.log"), segmentNames());
            assertEquals(4, log.startOffset());
        }
        try (RaftLog log = open()) {
            SnapshotId id = log.snapshots().get(0);
            assertEquals(new SnapshotId(4, 1), id);
            Snapshot<String> snapshot = readSnapshot(log, id);
            assertEquals(List.of("abc"), snapshot.records());
            assertEquals(5, snapshot.lastContainedTimestamp());
            List<Batch<String>> batches = batches(log);
            assertEquals(1, batches.size());
            assertEquals(4, batches.get(0).baseOffset());
            assertEquals(6, log.endOffset());
            assertEquals(2, log.lastEpoch());
        }
    }

    private List<String> segmentNames() throws IOException {
        try (var files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void oldSnapshotsAndTheSegmentsBeforeTheOldestKeptAreDeleted() throws IOException {
        try (RaftLog log = open(new RaftLogConfig(200, 1 << 20, 2, 10))) {
            for (int i = 0; i < 4; i++) {
                append(log, 1, batch(i));
                writeSnapshot(log, new SnapshotId(log.endOffset(), 1), "c" + i);
                log.trimToSnapshots();
                scheduler.runAll();
            }
            // Snapshots at 2, 4, 6, 8: the newest two are kept, and no segment holds only records before 6.
            List<SnapshotId> snaps = log.snapshots();
            assertEquals(List.of(new SnapshotId(8, 1), new SnapshotId(6, 1)), snaps);
            List<String> names = segmentNames();
            for (int i = 0; i < names.size(); i++) {
                long upper = i + 1 < names.size() ? Long.parseLong(names.get(i + 1).substring(0, 20))
                    : log.endOffset();
                assertTrue(upper > 6, "segment " + names.get(i) + " only holds records below the oldest kept"
                    + " snapshot: " + names);
            }
            assertTrue(log.startOffset() <= 6, "the records from 6 on are still in the log");
        }
        try (RaftLog log = open()) {
            assertEquals(new SnapshotId(8, 1), log.snapshots().get(0));
            assertEquals(8, log.endOffset());
        }
    }

    @Test
    void leftoverPartialSnapshotIsRemoved() throws IOException {
        Files.createDirectories(dir());
        Path partial = dir().resolve("00000000000000000009-0000000001.checkpoint.part");
        Files.write(partial, new byte[] {1, 2, 3});
        try (RaftLog log = open()) {
            assertEquals(List.of(), log.snapshots());
            assertEquals(0, log.endOffset());
        }
        assertTrue(Files.notExists(partial));
    }

    @Test
    void oversizedBatchIsRefusedBeforeWriting() throws IOException {
        try (RaftLog log = open(new RaftLogConfig(1 << 20, 100, 2, 10))) {
            List<String> big = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                big.addAll(batch(i));
            }
            SamsaException e = assertThrows(SamsaException.class, () -> append(log, 1, big));
            assertEquals(ErrorCode.MESSAGE_TOO_LARGE, e.errorCode());
            assertEquals(0, log.endOffset());
            assertEquals(0, Files.size(onlySegment()));
        }
    }

    @Test
    void segmentsRollAtTheConfiguredSize() throws IOException {
        RaftLogConfig small = new RaftLogConfig(200, 1 << 20, 2, 10);
        try (RaftLog log = open(small)) {
            for (int i = 0; i < 10; i++) {
                append(log, 1, batch(i));
            }
            assertTrue(segmentNames().size() >= 5, "segments: " + segmentNames());
        }
        try (RaftLog log = open(small)) {
            assertEquals(10, batches(log).size());
            assertEquals(20, log.endOffset());
        }
    }

    @Test
    void electionStateSurvivesReopen() throws IOException {
        try (RaftLog log = open()) {
            assertEquals(ElectionState.NONE, log.electionState());
            log.writeElectionState(new ElectionState(7, 1, 1));
        }
        try (RaftLog log = open()) {
            assertEquals(new ElectionState(7, 1, 1), log.electionState());
        }
        Files.writeString(dir().resolve("quorum-state"), "0\nseven 1 1\n");
        assertThrows(IOException.class, this::open);
    }

    @Test
    void aLogInTheEarlierFormatIsRefusedWithWhatToDo() throws IOException {
        Files.createDirectories(dir());
        // An entry of the earlier format: int32 length, int32 crc, int8 magic 1, int64 base offset 0, ...
        ByteBuf old = Unpooled.buffer();
        old.writeInt(29).writeInt(0x1234).writeByte(1).writeLong(0).writeInt(1).writeLong(0).writeInt(0);
        Files.write(dir().resolve("00000000000000000000.log"), Arrays.copyOf(old.array(), old.writerIndex()));
        old.release();
        SamsaException e = assertThrows(SamsaException.class, this::open);
        assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, e.errorCode());
        assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("earlier version"), e.getMessage());
        assertTrue(e.getMessage().contains("empty data directory"), e.getMessage());
        // Nothing was "recovered" away.
        assertEquals(33, Files.size(dir().resolve("00000000000000000000.log")));
    }
}
