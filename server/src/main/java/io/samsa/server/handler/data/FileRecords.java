package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.samsa.log.FileSlice;
import io.samsa.server.network.ResponseEncoder;
import java.nio.channels.FileChannel;

/**
 * Fetched records that stay in their segment file: the generated writer writes the length prefix from
 * {@link #sizeInBytes()} and calls {@link #writeTo}, which writes nothing and only notes where the bytes go; the
 * {@link ResponseEncoder} then splits the encoded buffer there and puts a {@link FileRegion} (sendfile) in between.
 *
 * <p>Owns one {@link FileSlice} until {@link #toFileRegion()} hands it to the region (released when Netty has
 * written or dropped it) or {@link #release()} drops it. Not thread-safe: built and encoded on one connection's
 * event loop.
 */
final class FileRecords implements ResponseEncoder.DeferredRecords {
    private final FileSlice slice;
    private int mark = -1;
    private boolean handedOff;

    /** Takes ownership of {@code slice} (non-empty). */
    FileRecords(FileSlice slice) {
        this.slice = slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.length();
    }

    @Override
    public void writeTo(ByteBuf out) {
        mark = out.writerIndex();
    }

    @Override
    public int mark() {
        return mark;
    }

    @Override
    public FileRegion toFileRegion() {
        handedOff = true;
        return new SliceRegion(slice);
    }

    @Override
    public void release() {
        if (!handedOff) {
            handedOff = true;
            slice.release();
        }
    }

    @Override
    public String toString() {
        return "FileRecords(" + slice + ")";
    }

    /**
     * A sendfile region over a segment's shared channel: unlike its parent it must not close the channel when
     * deallocated (the segment owns it); it drops the slice's reference instead.
     */
    static final class SliceRegion extends DefaultFileRegion implements ResponseEncoder.FileBackedRegion {
        private final FileSlice slice;

        SliceRegion(FileSlice slice) {
            super(slice.channel(), slice.position(), slice.length());
            this.slice = slice;
        }

        @Override
        public FileChannel file() {
            return slice.channel();
        }

        @Override
        protected void deallocate() {
            slice.release();
        }
    }
}
