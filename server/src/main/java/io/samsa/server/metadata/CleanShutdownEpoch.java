package io.samsa.server.metadata;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker epoch a broker had when it last shut down cleanly (KIP-966), kept in {@code DATA_DIR/.broker-epoch}
 * beside the log manager's clean-shutdown marker: written after a completed controlled shutdown once the logs are
 * closed, read and removed at the next start. The broker sends it as {@code PreviousBrokerEpoch} when it registers;
 * -1 (a missing or unreadable file, or logs that did not close cleanly) tells the controller the shutdown was unclean,
 * so the broker leaves the eligible leader replicas. Stateless; the start and stop threads.
 */
public final class CleanShutdownEpoch {
    private static final Logger log = LoggerFactory.getLogger(CleanShutdownEpoch.class);
    /** The file's name in the data directory. */
    public static final String FILE = ".broker-epoch";

    private CleanShutdownEpoch() {
    }

    /**
     * The epoch saved by the last clean shutdown, or -1; removes the file, so that a crash of this run cannot reuse
     * it. {@code logsClean}: whether the log manager found its clean-shutdown marker.
     */
    public static long take(Path dataDir, boolean logsClean) {
        Path file = dataDir.resolve(FILE);
        long epoch = -1;
        try {
            if (Files.exists(file)) {
                String text = Files.readString(file, StandardCharsets.UTF_8).trim();
                epoch = logsClean ? Long.parseLong(text) : -1;
                Files.delete(file);
            }
        } catch (IOException | NumberFormatException e) {
            log.warn("Cannot read the previous broker epoch in {}: {}", file, e.toString());
            epoch = -1;
        }
        return epoch;
    }

    /** Saves {@code epoch} after a clean shutdown (written to a temporary file, forced, then moved into place). */
    public static void save(Path dataDir, long epoch) {
        Path file = dataDir.resolve(FILE);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try {
            Files.writeString(tmp, Long.toString(epoch), StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("Cannot save the broker epoch {} in {}: {}", epoch, file, e.toString());
        }
    }
}
