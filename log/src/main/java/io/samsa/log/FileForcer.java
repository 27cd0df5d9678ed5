package io.samsa.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The fsync seam: every force of a segment file or directory goes through it, so tests can count fsyncs
 * and check ordering. Called by the flusher's threads (several at once, on different logs' files) and by
 * open/close paths that run before or after the partition is served. Implementations must be thread-safe.
 */
public interface FileForcer {

    /** Forces through the operating system: {@code fdatasync} for files, {@code fsync} for directories. */
    FileForcer SYSTEM = new FileForcer() {
        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            channel.force(false);
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    };

    /** Forces the file's data (and the metadata needed to read it back, such as its length) to disk. */
    void force(FileChannel channel, Path file) throws IOException;

    /** Forces a directory's entries (created, renamed and deleted names) to disk. */
    void forceDirectory(Path dir) throws IOException;
}
