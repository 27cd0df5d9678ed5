package io.samsa.log.index;

import io.samsa.common.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment ({@code .index}): maps the base offset of some batches to their byte
 * position in the segment's {@code .log}, one entry per {@code index.interval.bytes} of data.
 *
 * <pre>
 *  entry (8 bytes, big-endian)
 *  0   4  relativeOffset   batch base offset - segment base offset
 *  4   4  position         byte position of the batch in the .log file
 * </pre>
 *
 * <p>Entries are strictly increasing in both fields. Threads and lifecycle as {@link AbstractIndex}.
 */
public final class OffsetIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 8;

    public OffsetIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    public OffsetIndex(Disk disk, Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(disk, file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    @Override
    protected int relativeOffsetAt(ByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE);
    }

    private static int positionAt(ByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE + 4);
    }

    /**
     * Appends an entry; the offset and position must exceed the last entry's. Writer thread.
     *
     * @throws IOException when the index file cannot grow
     */
    public void append(long offset, int position) throws IOException {
        checkWritable();
        int n = entries();
        if (n >= maxEntries()) {
            throw new IllegalStateException("Offset index " + file() + " is full (" + n + " entries)");
        }
        ByteBuffer buf = bufferFor(n);
        buf.putInt(n * ENTRY_SIZE, (int) (offset - baseOffset));
        buf.putInt(n * ENTRY_SIZE + 4, position);
        publishEntries(n + 1);
    }

    /**
     * The position of the last indexed batch whose base offset is at or below {@code target}, or 0 when none
     * is (scan from the segment's start). Any thread.
     */
    public int lookup(long target) {
        int n = entries();
        ByteBuffer buf = buffer();
        long rel = target - baseOffset;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (relativeOffsetAt(buf, mid) <= rel) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : positionAt(buf, found);
    }

    /** The absolute offset of the last entry, or the base offset when empty. Any thread. */
    public long lastOffset() {
        int n = entries();
        return n == 0 ? baseOffset : baseOffset + relativeOffsetAt(buffer(), n - 1);
    }

    /** The position of the last entry, or 0 when empty. Any thread. */
    public int lastPosition() {
        int n = entries();
        return n == 0 ? 0 : positionAt(buffer(), n - 1);
    }

    /**
     * Checks that the entries could describe a {@code logSize}-byte segment: strictly increasing offsets and
     * positions, positions inside the file. Returns a description of the first problem, or null when sane.
     */
    public String sanityCheck(long logSize) {
        int n = entries();
        ByteBuffer buf = buffer();
        int prevRel = -1;
        int prevPos = -1;
        for (int i = 0; i < n; i++) {
            int rel = relativeOffsetAt(buf, i);
            int pos = positionAt(buf, i);
            if (rel <= prevRel || pos <= prevPos || pos >= logSize) {
                return "entry " + i + " (relative offset " + rel + ", position " + pos + ") is out of order or past "
                        + logSize + " bytes";
            }
            prevRel = rel;
            prevPos = pos;
        }
        return null;
    }
}
