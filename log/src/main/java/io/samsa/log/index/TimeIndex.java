package io.samsa.log.index;

import io.samsa.common.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The time index of one segment ({@code .timeindex}): a sparse, strictly increasing list of (timestamp,
 * offset) pairs. An entry (T, O) says that the largest timestamp of all batches up to the index point where
 * it was written is T, and that the batch holding T starts at offset O. The last entry of an inactive segment
 * holds the segment's largest timestamp.
 *
 * <pre>
 *  entry (12 bytes, big-endian)
 *  0   8  timestamp        milliseconds
 *  8   4  relativeOffset   offset - segment base offset
 * </pre>
 *
 * <p>Threads and lifecycle as {@link AbstractIndex}.
 */
public final class TimeIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 12;

    public TimeIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    public TimeIndex(Disk disk, Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(disk, file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    @Override
    protected int relativeOffsetAt(ByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE + 8);
    }

    private static long timestampAt(ByteBuffer buf, int n) {
        return buf.getLong(n * ENTRY_SIZE);
    }

    /**
     * Appends (timestamp, offset) if the timestamp exceeds the last entry's and there is room; the last slot
     * is kept for {@link #appendFinal}. Writer thread.
     */
    public void maybeAppend(long timestamp, long offset) throws IOException {
        append(timestamp, offset, maxEntries() - 1);
    }

    /** Appends the segment's largest timestamp when it becomes inactive, using the reserved last slot. */
    public void appendFinal(long timestamp, long offset) throws IOException {
        append(timestamp, offset, maxEntries());
    }

    /** Full for {@link #maybeAppend}: one slot stays reserved for the final entry. */
    @Override
    public boolean isFull() {
        return entries() >= maxEntries() - 1;
    }

    private void append(long timestamp, long offset, int limit) throws IOException {
        checkWritable();
        int n = entries();
        if (n >= limit || timestamp < 0) {
            return;
        }
        if (n > 0 && timestampAt(buffer(), n - 1) >= timestamp) {
            return;
        }
        ByteBuffer buf = bufferFor(n);
        buf.putLong(n * ENTRY_SIZE, timestamp);
        buf.putInt(n * ENTRY_SIZE + 8, (int) (offset - baseOffset));
        publishEntries(n + 1);
    }

    /**
     * The offset of the last entry whose timestamp is strictly below {@code target}, or the base offset when
     * none is: no batch before that offset's batch can hold a timestamp at or above the target. Any thread.
     */
    public long lookupBelow(long target) {
        int n = entries();
        ByteBuffer buf = buffer();
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (timestampAt(buf, mid) < target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + relativeOffsetAt(buf, found);
    }

    /** The last entry's timestamp, or -1 when empty. Any thread. */
    public long lastTimestamp() {
        int n = entries();
        return n == 0 ? -1 : timestampAt(buffer(), n - 1);
    }

    /** The last entry's absolute offset, or -1 when empty. Any thread. */
    public long lastOffset() {
        int n = entries();
        return n == 0 ? -1 : baseOffset + relativeOffsetAt(buffer(), n - 1);
    }

    /**
     * Checks strictly increasing timestamps and non-negative, non-decreasing relative offsets below
     * {@code maxRelative}. Returns the first problem, or null when sane.
     */
    public String sanityCheck(long maxRelative) {
        int n = entries();
        ByteBuffer buf = buffer();
        long prevTs = -1;
        for (int i = 0; i < n; i++) {
            long ts = timestampAt(buf, i);
            int rel = relativeOffsetAt(buf, i);
            if (ts <= prevTs || rel < 0 || rel > maxRelative) {
                return "entry " + i + " (timestamp " + ts + ", relative offset " + rel + ") is out of order";
            }
            prevTs = ts;
        }
        return null;
    }
}
