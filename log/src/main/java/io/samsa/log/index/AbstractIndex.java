package io.samsa.log.index;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, shared by {@link OffsetIndex} and
 * {@link TimeIndex}. Entries hold offsets relative to the segment's base offset.
 *
 * <p>Threads: one writer (the partition's owner thread) appends, truncates, resizes and closes; any thread
 * may read entries below {@link #entries()}, which the writer publishes through a volatile write after the
 * entry's bytes. Readers use absolute gets on the mapping they loaded, so a remap by the writer is safe.
 * Lifecycle: the owning segment's handles close it (which unmaps it) when nobody uses it any more.
 */
public abstract class AbstractIndex implements AutoCloseable {
    protected final long baseOffset;
    private final int entrySize;
    private volatile Path file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;
    private final boolean writable;

    /**
     * Opens or creates the index. A writable index is extended to {@code maxIndexSize} bytes (rounded down
     * to whole entries) so entries can be appended; its current entry count is the file's length before
     * extension divided by the entry size. A read-only index maps exactly the file.
     */
    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, boolean writable, int entrySize)
            throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.writable = writable;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), writable ? "rw" : "r")) {
            long length = raf.length();
            int existing = (int) (length / entrySize);
            if (writable) {
                long target = Math.max(length, roundDown(maxIndexSize));
                target = roundDown((int) Math.min(target, Integer.MAX_VALUE));
                raf.setLength(target);
                this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, target);
                this.maxEntries = (int) (target / entrySize);
            } else {
                this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, (long) existing * entrySize);
                this.maxEntries = existing;
            }
            this.entries = existing;
        }
    }

    private int roundDown(int size) {
        return size - size % entrySize;
    }

    /** The number of valid entries. Any thread. */
    public int entries() {
        return entries;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** True when no further entry fits. Writer thread. */
    public boolean isFull() {
        return entries >= maxEntries;
    }

    public Path file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    protected MappedByteBuffer buffer() {
        return mmap;
    }

    protected int entrySize() {
        return entrySize;
    }

    protected void publishEntries(int n) {
        entries = n;
    }

    protected void checkWritable() {
        if (!writable) {
            throw new IllegalStateException("Index " + file + " is read-only");
        }
    }

    /** Relative offset of entry {@code n} as stored; subclasses say where it lives. */
    protected abstract int relativeOffsetAt(MappedByteBuffer buf, int n);

    /**
     * Removes every entry whose offset is at or above {@code offset}. Writer thread.
     */
    public void truncateTo(long offset) {
        checkWritable();
        MappedByteBuffer buf = mmap;
        int n = entries;
        long rel = offset - baseOffset;
        int keep = 0;
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (relativeOffsetAt(buf, mid) < rel) {
                keep = mid + 1;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        entries = keep;
    }

    /** Removes every entry. Writer thread. */
    public void reset() {
        checkWritable();
        entries = 0;
    }

    /**
     * Shrinks the file to exactly its entries (a segment becoming inactive, or a clean close) and remaps it.
     * Writer thread. The old mapping stays valid for readers until garbage collected.
     */
    public void trimToValidSize() throws IOException {
        checkWritable();
        int n = entries;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength((long) n * entrySize);
            MappedByteBuffer fresh = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, (long) n * entrySize);
            mmap = fresh;
            maxEntries = n;
        }
    }

    /** Writes dirty pages of the mapping to disk. Flusher thread. */
    public void flush() {
        mmap.force();
    }

    /** Renames the file (the mapping stays valid). Writer thread. */
    public void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target);
        }
        file = target;
    }

    /** Unmaps the buffer. Called once, when no reader can use the index any more. */
    @Override
    public void close() {
        MappedBuffers.unmap(mmap);
    }

    /** Returns the file's entries' count as {@code length / entrySize} or -1 when the length is not whole. */
    public static int wholeEntries(long length, int entrySize) {
        return length % entrySize == 0 ? (int) (length / entrySize) : -1;
    }
}
