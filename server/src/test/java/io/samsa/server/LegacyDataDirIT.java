package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.config.BrokerConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written by an earlier Samsa (its metadata log in the controller's own entry format) is refused
 * at start-up with a message that names the directory and says what to do, and is left as it was.
 */
class LegacyDataDirIT {
    @TempDir
    Path dataDir;

    @Test
    void anEarlierFormatIsRefusedWithWhatToDo() throws Exception {
        Path metadata = dataDir.resolve(SamsaBroker.METADATA_DIR).resolve("__cluster_metadata-0");
        Files.createDirectories(metadata);
        // The earlier format's first entry: int32 length, int32 CRC32C, int8 magic 1, int64 base offset 0,
        // int32 epoch, int64 append time, int32 record count, then the records (here one ClusterId record).
        ByteBuffer entry = ByteBuffer.allocate(64);
        entry.putInt(0).putInt(0x5eed5eed).put((byte) 1).putLong(0).putInt(1).putLong(1_700_000_000_000L).putInt(1);
        byte[] record = {0, 7, 0, 0, 23, 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
            'A', 'A', 'A', 'A', 'A', 'A', 'A'};
        entry.putInt(record.length).put(record);
        entry.putInt(0, entry.position() - 4);
        byte[] bytes = new byte[entry.position()];
        entry.flip().get(bytes);
        Path segment = metadata.resolve("00000000000000000000.log");
        Files.write(segment, bytes);
        Files.writeString(dataDir.resolve("producer-id-block"), "1000\n");

        Exception e = assertThrows(Exception.class, () -> SamsaBroker.start(BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0", "log.dirs", dataDir.toString()))));
        String message = e.getMessage();
        assertTrue(message.contains(dataDir.toString()), message);
        assertTrue(message.contains("earlier version of Samsa"), message);
        assertTrue(message.contains("empty data directory"), message);
        assertArrayEquals(bytes, Files.readAllBytes(segment), "the old log is left untouched");
    }
}
