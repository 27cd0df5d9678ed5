package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;

/**
 * A snapshot a follower fetches from the leader in chunks (FetchSnapshot, KIP-630): the leader named it in a fetch
 * answer because the follower's log ends before the leader's log starts. The bytes gather in memory (heap, not
 * reference counted) until {@link #size} of them arrived; the follower then checks them, writes the file and
 * restarts its log at the snapshot's end. Not thread-safe: the replica's executor.
 */
final class SnapshotDownload {
    private final SnapshotId id;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long size = -1;

    SnapshotDownload(SnapshotId id) {
        this.id = id;
    }

    SnapshotId id() {
        return id;
    }

    /** The position of the next chunk to ask for. */
    long position() {
        return bytes.size();
    }

    /** Adds the chunk the leader sent for {@link #position()}; returns true when the snapshot is whole. */
    boolean add(long totalSize, ByteBuf chunk) {
        if (size >= 0 && size != totalSize) {
            throw new IllegalStateException("Snapshot " + id.fileName() + " changed size from " + size + " to "
                + totalSize);
        }
        size = totalSize;
        byte[] part = new byte[chunk.readableBytes()];
        chunk.getBytes(chunk.readerIndex(), part);
        bytes.write(part, 0, part.length);
        return bytes.size() >= size;
    }

    /** The whole file (heap bytes nobody needs to release). */
    ByteBuf bytes() {
        return Unpooled.wrappedBuffer(bytes.toByteArray());
    }
}
