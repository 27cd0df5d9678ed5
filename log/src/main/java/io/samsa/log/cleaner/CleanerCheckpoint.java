package io.samsa.log.cleaner;

import io.samsa.common.Disk;
import io.samsa.log.FileForcer;
import io.samsa.log.recovery.CheckpointFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code cleaner-offset-checkpoint} in a data directory: for each compacted partition, the offset below which the
 * cleaner has cleaned it (the start of its dirty section), so that a restart resumes rather than starts over. Kafka's
 * format, replaced atomically (write {@code .tmp}, fsync, rename, fsync the directory):
 *
 * <pre>
 *  0                          version
 *  N                          number of entries
 *  TOPIC PARTITION OFFSET     one per line
 * </pre>
 *
 * <p>A missing or malformed file reads as empty: every log is then dirty from its start, which costs one extra pass
 * and loses nothing. Not thread-safe: the {@link LogCleaner} serialises reads and writes.
 */
final class CleanerCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(CleanerCheckpoint.class);
    static final String FILE = "cleaner-offset-checkpoint";

    private final Disk disk;
    private final Path file;
    private final FileForcer forcer;

    CleanerCheckpoint(Disk disk, Path dataDir, FileForcer forcer) {
        this.disk = disk;
        this.file = dataDir.resolve(FILE);
        this.forcer = forcer;
    }

    /** The checkpointed offsets by log name ({@code TOPIC-PARTITION}). */
    Map<String, Long> read() {
        Map<String, Long> out = new TreeMap<>();
        if (!disk.exists(file)) {
            return out;
        }
        try {
            String[] lines = new String(disk.readAllBytes(file), StandardCharsets.UTF_8).split("\n");
            if (lines.length < 2 || !"0".equals(lines[0].trim())) {
                throw new IOException("unknown version");
            }
            int n = Integer.parseInt(lines[1].trim());
            if (n < 0 || lines.length < 2 + n) {
                throw new IOException("fewer entries than the count");
            }
            for (int i = 0; i < n; i++) {
                String[] parts = lines[2 + i].trim().split(" ");
                if (parts.length != 3) {
                    throw new IOException("malformed line " + (3 + i));
                }
                out.put(parts[0] + "-" + Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring the unreadable cleaner checkpoint {}: {}", file, e.toString());
            return new TreeMap<>();
        }
    }

    /** Replaces the file with {@code offsets} (log name to offset). */
    void write(Map<String, Long> offsets) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("0\n").append(offsets.size()).append('\n');
        for (Map.Entry<String, Long> e : new TreeMap<>(offsets).entrySet()) {
            String name = e.getKey();
            int dash = name.lastIndexOf('-');
            sb.append(name, 0, dash).append(' ').append(name.substring(dash + 1)).append(' ').append(e.getValue())
                    .append('\n');
        }
        CheckpointFile.replace(disk, file, sb.toString().getBytes(StandardCharsets.UTF_8), forcer);
    }
}
