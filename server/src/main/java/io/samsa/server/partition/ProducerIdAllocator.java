package io.samsa.server.partition;

import io.samsa.log.FileForcer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Allocates producer ids for idempotent producers (InitProducerId without a transactional id), unique across
 * restarts: ids are handed out of blocks, and a block is reserved by durably writing its end to the file
 * {@code producer-id-block} in the data directory (write to a temporary file, fsync, atomic rename, fsync the
 * directory) before any id of it is used. A restart continues after the last reserved block, so an id is never
 * given twice; at most one block's unused ids are skipped per restart.
 *
 * <p>Threads: {@link #nextId()} blocks on an fsync once per block, so it runs on the background executor, never on
 * an event loop; it is synchronized (only the background thread calls it).
 */
public final class ProducerIdAllocator {
    static final String FILE = "producer-id-block";
    static final long BLOCK_SIZE = 1000;

    private final Path file;
    private final FileForcer forcer;
    private long next;
    private long blockEnd;

    public ProducerIdAllocator(Path dataDir, FileForcer forcer) throws IOException {
        this.file = dataDir.resolve(FILE);
        this.forcer = forcer;
        long reserved = 0;
        if (Files.exists(file)) {
            String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
            try {
                reserved = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IOException("Corrupt " + file + ": '" + s + "'", e);
            }
        }
        this.next = reserved;
        this.blockEnd = reserved;
    }

    /** The next unused producer id. Blocks on an fsync when a new block must be reserved. */
    public synchronized long nextId() throws IOException {
        if (next >= blockEnd) {
            reserve(blockEnd + BLOCK_SIZE);
        }
        return next++;
    }

    private void reserve(long end) throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap((end + "\n").getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            forcer.force(ch, tmp);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forcer.forceDirectory(file.getParent());
        blockEnd = end;
    }
}
