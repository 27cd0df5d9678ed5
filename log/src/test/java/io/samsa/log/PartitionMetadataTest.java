package io.samsa.log;

import io.samsa.common.ManualClock;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A log remembers which topic id claimed its directory ({@code partition.metadata}, Kafka's layout, KIP-516), across
 * restarts, so that the directory of a deleted topic is never mistaken for a new topic's of the same name.
 */
class PartitionMetadataTest {
    private static final UUID ID = new UUID(0x0123456789abcdefL, 0xfedcba9876543210L);

    @TempDir
    Path dir;

    private LogManager open() throws IOException {
        return LogManager.builder(dir).clock(new ManualClock(1_000)).forcer(TestLogs.NO_FSYNC).build();
    }

    @Test
    void theTopicIdIsRecordedInKafkasLayoutAndSurvivesARestart() throws IOException {
        Path file;
        try (LogManager m = open()) {
            Log log = m.getOrCreate("orders", 2, LogConfig.DEFAULTS);
            assertNull(log.topicId(), "a new directory belongs to no topic yet");
            log.recordTopicId(ID);
            assertEquals(ID, log.topicId());
            file = log.dir().resolve(Log.PARTITION_METADATA);
            String kafkaId = new Uuid(ID.getMostSignificantBits(), ID.getLeastSignificantBits()).toString();
            assertEquals("version: 0\ntopic_id: " + kafkaId + "\n", Files.readString(file, StandardCharsets.US_ASCII));
            assertFalse(Files.exists(log.dir().resolve(Log.PARTITION_METADATA + ".tmp")));
        }
        try (LogManager m = open()) {
            assertEquals(ID, m.get("orders", 2).topicId());
        }
    }

    @Test
    void aMalformedFileFailsTheOpenRatherThanGuessing() throws IOException {
        try (LogManager m = open()) {
            Log log = m.getOrCreate("orders", 0, LogConfig.DEFAULTS);
            Files.writeString(log.dir().resolve(Log.PARTITION_METADATA), "version: 0\ntopic_id: nonsense!\n");
        }
        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().contains("partition.metadata"), e.getMessage());
    }

    @Test
    void aStrayLogIsSetAsideWithItsDataAndNeverLoadedAgain() throws IOException {
        Path stray;
        try (LogManager m = open()) {
            Log log = m.getOrCreate("orders", 1, LogConfig.DEFAULTS);
            log.recordTopicId(ID);
            stray = m.markStray("orders", 1);
            assertNull(m.get("orders", 1));
            assertTrue(stray.getFileName().toString().startsWith("orders-1."), stray.toString());
            assertTrue(stray.getFileName().toString().endsWith(LogManager.STRAY_SUFFIX), stray.toString());
            assertTrue(Files.exists(stray.resolve(Log.PARTITION_METADATA)), "the directory moved whole");
            assertNull(m.markStray("orders", 1), "no log of that partition any more");
        }
        try (LogManager m = open()) {
            assertTrue(m.logs().isEmpty(), "a stray directory is not a log");
            assertTrue(Files.isDirectory(stray), "kept for the operator, not deleted");
            Log fresh = m.getOrCreate("orders", 1, LogConfig.DEFAULTS);
            assertNull(fresh.topicId(), "a new log of the same partition starts empty beside it");
        }
    }
}
