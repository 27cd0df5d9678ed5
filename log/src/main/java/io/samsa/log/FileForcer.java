package io.samsa.log;

import io.samsa.common.Disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The fsync seam: every force of a segment file or directory goes through it, so tests can count fsyncs
 * and check ordering. Called by the flusher's threads (several at once, on different logs' files) and by
 * open/close paths that run before or after the partition is served. Implementations must be thread-safe.
 *
 * <p>A {@link LogManager} without an explicit forcer forces through its {@link Disk} ({@link #of(Disk)}).
 */
public interface FileForcer {

    /** Forces through the operating system: {@code fdatasync} for files, {@code fsync} for directories. */
    FileForcer SYSTEM = of(Disk.SYSTEM);

    /** Forces through {@code disk}: its {@link Disk#force(FileChannel)} and {@link Disk#forceDirectory}. */
    static FileForcer of(Disk disk) {
        return new FileForcer() {
            @Override
            public void force(FileChannel channel, Path file) throws IOException {
                disk.force(channel);
            }

            @Override
            public void forceDirectory(Path dir) throws IOException {
                disk.forceDirectory(dir);
            }
        };
    }

    /** Forces the file's data (and the metadata needed to read it back, such as its length) to disk. */
    void force(FileChannel channel, Path file) throws IOException;

    /** Forces a directory's entries (created, renamed and deleted names) to disk. */
    void forceDirectory(Path dir) throws IOException;
}
