package io.samsa.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The file seam: every file and directory operation of a stateful module (the log today) goes through a
 * {@code Disk}, so that a simulation can replace the file system with one that loses what was not forced when it
 * crashes. {@link #SYSTEM} is the real file system through {@code java.nio}; testkit's simulated disk keeps files
 * in memory.
 *
 * <p>The hot path does not pay for the seam: a caller opens a channel once with {@link #open} and then reads,
 * writes and sends it (sendfile) with plain {@link FileChannel} calls; in production the channel is the JDK's own.
 * Index files are memory mapped through {@link #map}, which returns a {@code MappedByteBuffer} in production.
 *
 * <p>Durability follows POSIX: a write is durable after {@link #force(FileChannel)} of its file (or
 * {@link #force(ByteBuffer)} of a mapping); a created, renamed or deleted name is durable after
 * {@link #forceDirectory} of its directory. Implementations are thread-safe.
 */
public interface Disk {

    /** The real file system, through {@code java.nio}. */
    Disk SYSTEM = NioDisk.INSTANCE;

    /** Opens a file as {@link FileChannel#open(Path, OpenOption...)} does, with the same options. */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /**
     * Maps bytes {@code [0, length)} of {@code file}. {@code READ_WRITE} creates the file when missing and first sets
     * its length to {@code length} (extending it with zeros or cutting it); {@code READ_ONLY} maps an existing file
     * of at least {@code length} bytes. Writes through a writable mapping are the file's content at once (readers of
     * the file see them) and durable after {@link #force(ByteBuffer)}. Returns a {@code MappedByteBuffer} in
     * production; release it with {@link #unmap}.
     */
    ByteBuffer map(Path file, FileChannel.MapMode mode, long length) throws IOException;

    /** Writes a mapping's changed pages, and the file's length, to disk ({@code msync}). */
    void force(ByteBuffer mapping) throws IOException;

    /**
     * Releases a mapping now rather than at garbage collection. The caller guarantees that nobody touches the
     * buffer afterwards (in production a later access crashes the JVM). Never throws.
     */
    void unmap(ByteBuffer mapping);

    /** Forces a file's data, and the metadata needed to read it back such as its length, to disk ({@code fdatasync}). */
    void force(FileChannel channel) throws IOException;

    /** Forces a directory's entries (names created, renamed and deleted in it) to disk ({@code fsync}). */
    void forceDirectory(Path dir) throws IOException;

    /**
     * Renames {@code source} to {@code target} as {@link java.nio.file.Files#move} does with the same options
     * ({@code ATOMIC_MOVE}, {@code REPLACE_EXISTING}); a file or a whole directory.
     */
    void move(Path source, Path target, CopyOption... options) throws IOException;

    /** Deletes a file or an empty directory; false when it did not exist. */
    boolean deleteIfExists(Path path) throws IOException;

    /** Creates a directory and its missing parents. */
    void createDirectories(Path dir) throws IOException;

    boolean exists(Path path);

    boolean isDirectory(Path path);

    /** A file's length in bytes. */
    long size(Path file) throws IOException;

    /** When the file was last written, in milliseconds since the epoch. */
    long lastModifiedMillis(Path file) throws IOException;

    /** The entries of a directory (files and directories), sorted by name. */
    List<Path> list(Path dir) throws IOException;

    /** The whole content of a (small) file. */
    byte[] readAllBytes(Path file) throws IOException;

    /** Deletes a file, or a directory with everything below it; false when it did not exist. */
    default boolean deleteTree(Path root) throws IOException {
        if (isDirectory(root)) {
            for (Path child : list(root)) {
                deleteTree(child);
            }
        }
        return deleteIfExists(root);
    }
}
