package io.samsa.controller.log;

import io.samsa.common.ManualClock;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataLogTest {
    private static final MetadataLog.Options OPTIONS = new MetadataLog.Options(1 << 20, 1 << 20, 2);
    private final ManualClock clock = new ManualClock(1_000_000L);

    @TempDir
    Path dataDir;

    private static List<Message> batch(int i) {
        UUID id = new UUID(0, i + 1);
        return List.of(new TopicRecord().setName("t" + i).setTopicId(id),
            new PartitionRecord().setTopicId(id).setPartitionId(0).setReplicas(List.of(1)).setIsr(List.of(1))
                .setLeader(1).setLeaderEpoch(0).setPartitionEpoch(0));
    }

    private static ClusterIdRecord clusterId(String id) {
        return new ClusterIdRecord().setClusterId(id);
    }

    private MetadataLog open() throws IOException {
        return MetadataLog.open(dataDir, OPTIONS, clock);
    }

    @Test
    void appendsSurviveReopenWithOffsetsAndEpochs() throws IOException {
        try (MetadataLog log = open()) {
            assertEquals(0, log.nextOffset());
            assertEquals(-1, log.lastEpoch());
            assertEquals(0, log.append(1, batch(0)));
            assertEquals(2, log.append(1, batch(1)));
            assertEquals(4, log.append(2, batch(2)));
            assertEquals(0, log.flushedOffset());
            log.flush();
            assertEquals(6, log.flushedOffset());
        }
        try (MetadataLog log = open()) {
            List<LogEntry> entries = log.recoveredEntries();
            assertEquals(3, entries.size());
            assertEquals(List.of(0L, 2L, 4L), entries.stream().map(LogEntry::baseOffset).toList());
            assertEquals(List.of(1, 1, 2), entries.stream().map(LogEntry::epoch).toList());
            assertEquals(batch(1), entries.get(1).records());
            assertEquals(1_000_000L, entries.get(0).appendTimeMs());
            assertEquals(6, log.nextOffset());
            assertEquals(2, log.lastEpoch());
            assertEquals(6, log.append(2, batch(3)));
        }
        assertTrue(Files.isDirectory(dataDir.resolve("__cluster_metadata-0")));
    }

    @Test
    void olderEpochIsRefused() throws IOException {
        try (MetadataLog log = open()) {
            log.append(3, batch(0));
            assertThrows(IllegalArgumentException.class, () -> log.append(2, batch(1)));
        }
    }

    @Test
    void tornTailAtEveryByteKeepsExactlyTheCompletePrefix() throws IOException {
        Path segment;
        long lastEntryStart;
        long fullSize;
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.append(1, batch(1));
            log.flush();
            segment = log.segmentFiles().get(0);
            lastEntryStart = Files.size(segment);
            log.append(1, batch(2));
            log.flush();
            fullSize = Files.size(segment);
        }
        byte[] full = Files.readAllBytes(segment);
        for (long cut = lastEntryStart; cut < fullSize; cut++) {
            Files.write(segment, java.util.Arrays.copyOf(full, (int) cut));
            try (MetadataLog log = open()) {
                List<LogEntry> entries = log.recoveredEntries();
                assertEquals(2, entries.size(), "cut at " + cut);
                assertEquals(4, log.nextOffset(), "cut at " + cut);
                assertEquals(lastEntryStart, Files.size(segment), "cut at " + cut);
                // The log accepts appends after the cut, at the right offset.
                assertEquals(4, log.append(1, batch(9)));
                log.flush();
            }
            try (MetadataLog log = open()) {
                List<LogEntry> entries = log.recoveredEntries();
                assertEquals(3, entries.size());
                assertEquals(batch(9), entries.get(2).records());
            }
        }
    }

    @Test
    void corruptByteInTheLastEntryCutsIt() throws IOException {
        Path segment;
        long lastEntryStart;
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.flush();
            segment = log.segmentFiles().get(0);
            lastEntryStart = Files.size(segment);
            log.append(1, batch(1));
            log.flush();
        }
        byte[] full = Files.readAllBytes(segment);
        for (int i = (int) lastEntryStart; i < full.length; i++) {
            byte[] corrupt = full.clone();
            corrupt[i] ^= 0x40;
            Files.write(segment, corrupt);
            try (MetadataLog log = open()) {
                assertEquals(1, log.recoveredEntries().size(), "byte " + i);
                assertEquals(2, log.nextOffset());
            }
        }
    }

    @Test
    void garbageAppendedAfterTheLogIsCut() throws IOException {
        Path segment;
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.flush();
            segment = log.segmentFiles().get(0);
        }
        long good = Files.size(segment);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}));
        }
        try (MetadataLog log = open()) {
            assertEquals(1, log.recoveredEntries().size());
            assertEquals(good, Files.size(segment));
        }
    }

    @Test
    void snapshotThenLogReplaysOnlyTheTail() throws IOException {
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.append(1, batch(1));
            log.flush();
            log.writeSnapshot(4, 1, List.of(clusterId("abc")));
            log.append(2, batch(2));
            log.flush();
            // The only snapshot covers offsets 0..3, so the segment holding them is gone.
            assertEquals(List.of("00000000000000000004.log"),
                log.segmentFiles().stream().map(p -> p.getFileName().toString()).toList());
        }
        try (MetadataLog log = open()) {
            SnapshotFile.Loaded snap = log.snapshot();
            assertNotNull(snap);
            assertEquals(4, snap.endOffset());
            assertEquals(List.of(clusterId("abc")), snap.records());
            List<LogEntry> entries = log.recoveredEntries();
            assertEquals(1, entries.size());
            assertEquals(4, entries.get(0).baseOffset());
            assertEquals(6, log.nextOffset());
            assertEquals(2, log.lastEpoch());
        }
    }

    @Test
    void oldSegmentsAndSnapshotsAreDeletedBeyondTheRetainedOnes() throws IOException {
        try (MetadataLog log = open()) {
            for (int i = 0; i < 4; i++) {
                log.append(1, batch(i));
                log.flush();
                log.writeSnapshot(log.nextOffset(), 1, List.of(clusterId("c" + i)));
            }
            // Snapshots at 2, 4, 6, 8: the newest two are kept, and segments before offset 6 go.
            List<Path> snaps = MetadataLog.snapshotFiles(log.directory());
            assertEquals(2, snaps.size());
            assertEquals(8, SnapshotFile.endOffsetOf(snaps.get(0)));
            assertEquals(6, SnapshotFile.endOffsetOf(snaps.get(1)));
            List<String> names = new ArrayList<>();
            for (Path p : log.segmentFiles()) {
                names.add(p.getFileName().toString());
            }
            assertEquals(List.of("00000000000000000006.log", "00000000000000000008.log"), names);
        }
        try (MetadataLog log = open()) {
            assertEquals(8, log.snapshot().endOffset());
            assertEquals(0, log.recoveredEntries().size());
            assertEquals(8, log.nextOffset());
        }
    }

    @Test
    void corruptNewestSnapshotFallsBackToTheOlderOne() throws IOException {
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.flush();
            log.writeSnapshot(2, 1, List.of(clusterId("old")));
            log.append(1, batch(1));
            log.flush();
            log.writeSnapshot(4, 1, List.of(clusterId("new")));
        }
        Path newest = MetadataLog.snapshotFiles(dataDir.resolve(MetadataLog.DIR_NAME)).get(0);
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 1;
        Files.write(newest, bytes);
        try (MetadataLog log = open()) {
            assertEquals(2, log.snapshot().endOffset());
            assertEquals(List.of(clusterId("old")), log.snapshot().records());
            assertEquals(1, log.recoveredEntries().size());
            assertEquals(4, log.nextOffset());
        }
    }

    @Test
    void logWithoutItsBeginningAndNoSnapshotIsAStorageError() throws IOException {
        Path dir = dataDir.resolve(MetadataLog.DIR_NAME);
        try (MetadataLog log = open()) {
            log.append(1, batch(0));
            log.flush();
        }
        Files.move(dir.resolve("00000000000000000000.log"), dir.resolve("00000000000000000005.log"));
        SamsaException e = assertThrows(SamsaException.class, this::open);
        assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, e.errorCode());
    }

    @Test
    void leftoverTempSnapshotIsIgnoredAndRemoved() throws IOException {
        Path dir = dataDir.resolve(MetadataLog.DIR_NAME);
        Files.createDirectories(dir);
        Path temp = dir.resolve("00000000000000000009-0000000001.checkpoint.part");
        Files.write(temp, new byte[] {1, 2, 3});
        try (MetadataLog log = open()) {
            assertNull(log.snapshot());
            assertEquals(0, log.nextOffset());
        }
        assertTrue(Files.notExists(temp));
    }

    @Test
    void oversizedEntryIsRefusedBeforeWriting() throws IOException {
        try (MetadataLog log = MetadataLog.open(dataDir, new MetadataLog.Options(1 << 20, 100, 2), clock)) {
            List<Message> big = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                big.addAll(batch(i));
            }
            SamsaException e = assertThrows(SamsaException.class, () -> log.append(1, big));
            assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
            assertEquals(0, log.nextOffset());
            assertEquals(0, Files.size(log.segmentFiles().get(0)));
        }
    }

    @Test
    void segmentsRollAtTheConfiguredSize() throws IOException {
        try (MetadataLog log = MetadataLog.open(dataDir, new MetadataLog.Options(200, 1 << 20, 2), clock)) {
            for (int i = 0; i < 10; i++) {
                log.append(1, batch(i));
            }
            log.flush();
            assertTrue(log.segmentFiles().size() >= 5, "segments: " + log.segmentFiles());
        }
        try (MetadataLog log = MetadataLog.open(dataDir, new MetadataLog.Options(200, 1 << 20, 2), clock)) {
            assertEquals(10, log.recoveredEntries().size());
            assertEquals(20, log.nextOffset());
        }
    }
}
