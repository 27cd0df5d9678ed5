package io.samsa.log.recovery;

import io.samsa.common.Disk;
import io.samsa.log.FileForcer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.UUID;

/**
 * A partition directory's {@code partition.metadata}: the id of the topic whose partition the directory holds, so
 * that a directory left behind by a deleted topic is never taken for a new topic of the same name. Kafka's layout
 * (KIP-516), the topic id in URL-safe base64 without padding, as Kafka prints topic ids:
 *
 * <pre>
 *  version: 0
 *  topic_id: &lt;22 characters&gt;
 * </pre>
 *
 * <p>Replaced atomically like {@link CheckpointFile} ({@code .tmp}, fsync, rename, fsync of the directory). Stateless.
 */
public final class PartitionMetadataFile {
    private PartitionMetadataFile() {
    }

    /** Atomically writes {@code topicId} to {@code file} on {@code disk}. */
    public static void write(Disk disk, Path file, UUID topicId, FileForcer forcer) throws IOException {
        String text = "version: 0\ntopic_id: " + encode(topicId) + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            forcer.force(ch, tmp);
        }
        disk.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forcer.forceDirectory(file.getParent());
    }

    /**
     * The topic id in {@code file}, or null when there is no file (a directory of an older Samsa, or created and not
     * yet claimed).
     *
     * @throws IOException when the file cannot be read or is not a version 0 partition metadata file
     */
    public static UUID read(Disk disk, Path file) throws IOException {
        String text;
        try {
            text = new String(disk.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
        String[] lines = text.split("\\r?\\n");
        if (lines.length < 2 || !lines[0].trim().equals("version: 0") || !lines[1].startsWith("topic_id:")) {
            throw new IOException("Malformed partition metadata in " + file + ": " + text);
        }
        try {
            return decode(lines[1].substring("topic_id:".length()).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException("Malformed topic id in " + file + ": " + lines[1], e);
        }
    }

    static String encode(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    static UUID decode(String s) {
        byte[] bytes = Base64.getUrlDecoder().decode(s);
        if (bytes.length != 16) {
            throw new IllegalArgumentException("A topic id has 16 bytes, not " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong());
    }
}
