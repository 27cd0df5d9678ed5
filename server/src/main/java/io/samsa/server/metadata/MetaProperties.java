package io.samsa.server.metadata;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;

/**
 * A data directory's {@code meta.properties}, in Kafka's layout (version 1): the node id, the cluster id when known,
 * and the directory id, a random id given to the directory when it is formatted (KIP-858). The metadata log's
 * directory id is this replica's {@code ReplicaKey} in a dynamic quorum (KIP-853): a node whose disk was wiped comes
 * back with another one, as another replica. {@code kafka-metadata-quorum.sh add-controller} reads it from here (the
 * first of {@code log.dirs}). Written once, when a node of a dynamic quorum first starts on an empty directory.
 *
 * @param clusterId null when the configuration does not name one
 */
public record MetaProperties(int nodeId, String clusterId, UUID directoryId) {
    public static final String FILE = "meta.properties";

    /** The file in {@code dataDir}, or null when there is none. Blocking file I/O: start-up only. */
    public static MetaProperties load(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        String version = p.getProperty("version");
        String node = p.getProperty("node.id");
        String dir = p.getProperty("directory.id");
        if (!"1".equals(version) || node == null || dir == null) {
            throw new IOException(file + " is not a version 1 meta.properties with node.id and directory.id");
        }
        try {
            return new MetaProperties(Integer.parseInt(node.trim()), p.getProperty("cluster.id"),
                    decodeUuid(dir.trim()));
        } catch (IllegalArgumentException e) {
            throw new IOException("Malformed " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the file durably (a temporary file, forced, then moved into place). Blocking file I/O. */
    public void write(Path dataDir) throws IOException {
        StringBuilder text = new StringBuilder("#Written by Samsa\n");
        text.append("version=1\n");
        if (clusterId != null) {
            text.append("cluster.id=").append(clusterId).append('\n');
        }
        text.append("node.id=").append(nodeId).append('\n');
        text.append("directory.id=").append(encodeUuid(directoryId)).append('\n');
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    /** A directory id as Kafka prints a Uuid: URL-safe base64 of its 16 bytes, without padding. */
    public static String encodeUuid(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** Parses {@link #encodeUuid}'s form. */
    public static UUID decodeUuid(String s) {
        byte[] bytes = Base64.getUrlDecoder().decode(s);
        if (bytes.length != 16) {
            throw new IllegalArgumentException("A directory id has 16 bytes, not " + bytes.length + ": " + s);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong());
    }

    /** A new random directory id (never the all-zero id, which means "none"). */
    public static UUID newDirectoryId() {
        UUID id;
        do {
            id = UUID.randomUUID();
        } while (id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() < 100);
        return id;
    }
}
