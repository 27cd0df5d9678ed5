package io.samsa.log;

import io.samsa.log.segment.SegmentHandles;

import java.nio.channels.FileChannel;

/**
 * A run of whole record batches in one segment file: the channel, position and length a fetch response
 * sends with {@code sendfile} ({@code FileRegion}), never copying the bytes through the heap.
 *
 * <p>Ownership: a non-empty slice holds a reference to its segment's open handles, so the channel stays
 * open even if the handle cache evicts the segment or retention deletes it meanwhile. The receiver must call
 * {@link #release()} exactly once when the bytes are sent (or the response is dropped), e.g. from the
 * {@code FileRegion}'s deallocate. Not thread-safe; hand it from thread to thread with a happens-before edge.
 */
public final class FileSlice {
    /** No bytes; release is a no-op. */
    public static final FileSlice EMPTY = new FileSlice(null, 0, 0, -1);

    private final SegmentHandles handles;
    private final long position;
    private final int length;
    private final long firstOffset;
    private boolean released;

    /** Takes ownership of one reference to {@code handles}. */
    public FileSlice(SegmentHandles handles, long position, int length, long firstOffset) {
        this.handles = handles;
        this.position = position;
        this.length = length;
        this.firstOffset = firstOffset;
    }

    /** The segment's channel, or null for an empty slice. Valid until {@link #release()}. */
    public FileChannel channel() {
        return handles == null ? null : handles.channel();
    }

    public long position() {
        return position;
    }

    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** The base offset of the first batch in the slice, or -1 when empty. */
    public long firstOffset() {
        return firstOffset;
    }

    /** Drops the slice's reference to the segment's handles. Call once. */
    public void release() {
        if (handles != null && !released) {
            released = true;
            handles.release();
        }
    }

    @Override
    public String toString() {
        return "FileSlice(position=" + position + ", length=" + length + ", firstOffset=" + firstOffset + ")";
    }
}
