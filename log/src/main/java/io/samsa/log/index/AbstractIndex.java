package io.samsa.log.index;

import io.samsa.common.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, shared by {@link OffsetIndex} and
 * {@link TimeIndex}. Entries hold offsets relative to the segment's base offset.
 *
 * <p>A writable index does not map its whole {@code maxIndexSize} up front: it starts with a small file and
 * mapping ({@link #INITIAL_BYTES}) and doubles both on demand, up to the maximum. A broker with many partitions
 * otherwise holds thousands of 10 MiB sparse files mapped; on this kernel the first write to each costs about 12
 * ms of system time (the page cache backs a sparse mapping with large folios that are zeroed, reserved and
 * written back whole), which the profile of 1,000 partitions showed as most of the broker's CPU.
 *
 * <p>Threads: one writer (the partition's owner thread) appends, truncates, resizes and closes; any thread
 * may read entries below {@link #entries()}, which the writer publishes through a volatile write after the
 * entry's bytes (and after a grown mapping). Readers read {@link #entries()} first and then {@link #buffer()},
 * and use absolute gets on the mapping they loaded, so a remap by the writer is safe.
 * Lifecycle: the owning segment's handles close it (which unmaps it) when nobody uses it any more.
 *
 * <p>Files are mapped, resized, forced and renamed through a {@link Disk}; the mapping is a
 * {@code MappedByteBuffer} in production and read with absolute gets as such.
 */
public abstract class AbstractIndex implements AutoCloseable {
    /** The size a writable index's file and mapping start at (rounded down to whole entries). */
    public static final int INITIAL_BYTES = 4096;

    protected final long baseOffset;
    private final Disk disk;
    private final int entrySize;
    private volatile Path file;
    private volatile ByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;
    /** Entries the current mapping holds; at most {@link #maxEntries}. Writer thread. */
    private int mappedEntries;
    private final boolean writable;

    /**
     * Opens or creates the index. A writable index holds up to {@code maxIndexSize} bytes (rounded down to
     * whole entries); its file is extended to at least {@link #INITIAL_BYTES} now and grows as entries are
     * appended. Its current entry count is the file's length before extension divided by the entry size. A
     * read-only index maps exactly the file.
     */
    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, boolean writable, int entrySize)
            throws IOException {
        this(Disk.SYSTEM, file, baseOffset, maxIndexSize, writable, entrySize);
    }

    /** As {@link #AbstractIndex(Path, long, int, boolean, int)}, on {@code disk}. */
    protected AbstractIndex(Disk disk, Path file, long baseOffset, int maxIndexSize, boolean writable, int entrySize)
            throws IOException {
        this.disk = disk;
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.writable = writable;
        if (writable) {
            long length = disk.exists(file) ? disk.size(file) : 0;
            int existing = (int) (length / entrySize);
            long max = Math.max(length, roundDown(maxIndexSize));
            max = roundDown((int) Math.min(max, Integer.MAX_VALUE));
            long target = Math.max(length, Math.min(max, roundDown(INITIAL_BYTES)));
            target = roundDown((int) Math.min(target, Integer.MAX_VALUE));
            this.mmap = disk.map(file, FileChannel.MapMode.READ_WRITE, target);
            this.mappedEntries = (int) (target / entrySize);
            this.maxEntries = (int) (max / entrySize);
            this.entries = existing;
        } else {
            int existing = (int) (disk.size(file) / entrySize);
            this.mmap = disk.map(file, FileChannel.MapMode.READ_ONLY, (long) existing * entrySize);
            this.maxEntries = existing;
            this.mappedEntries = existing;
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

    /** The current mapping. Readers call it after {@link #entries()}: it then holds every entry counted. */
    protected ByteBuffer buffer() {
        return mmap;
    }

    /**
     * Makes room for entry {@code n} (below {@link #maxEntries()}): grows the file and the mapping by doubling,
     * up to the maximum size, and publishes the new mapping before the entry can be. The old mapping stays valid
     * for readers until garbage collected. Writer thread.
     */
    protected ByteBuffer bufferFor(int n) throws IOException {
        if (n < mappedEntries) {
            return mmap;
        }
        long bytes = Math.min((long) maxEntries * entrySize, Math.max((long) (n + 1) * entrySize,
                2L * mappedEntries * entrySize));
        ByteBuffer fresh = disk.map(file, FileChannel.MapMode.READ_WRITE, bytes);
        mmap = fresh;
        mappedEntries = (int) (bytes / entrySize);
        return fresh;
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
    protected abstract int relativeOffsetAt(ByteBuffer buf, int n);

    /**
     * Removes every entry whose offset is at or above {@code offset}. Writer thread.
     */
    public void truncateTo(long offset) {
        checkWritable();
        ByteBuffer buf = mmap;
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
        mmap = disk.map(file, FileChannel.MapMode.READ_WRITE, (long) n * entrySize);
        maxEntries = n;
        mappedEntries = n;
    }

    /** Writes dirty pages of the mapping to disk. Flusher thread. */
    public void flush() throws IOException {
        disk.force(mmap);
    }

    /** Renames the file (the mapping stays valid). Writer thread. */
    public void renameTo(Path target) throws IOException {
        if (disk.exists(file)) {
            disk.move(file, target);
        }
        file = target;
    }

    /** Unmaps the buffer. Called once, when no reader can use the index any more. */
    @Override
    public void close() {
        disk.unmap(mmap);
    }

    /** Returns the file's entries' count as {@code length / entrySize} or -1 when the length is not whole. */
    public static int wholeEntries(long length, int entrySize) {
        return length % entrySize == 0 ? (int) (length / entrySize) : -1;
    }
}
