package io.samsa.server.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedInput;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes of a {@link FileRegion} as chunks of pooled direct buffers, for a connection where sendfile cannot go
 * (TLS: the bytes must pass through the engine). A {@link ResponseEncoder.FileBackedRegion} is read straight from its
 * file into each chunk (one copy); any other region is transferred into the chunk. Netty's {@code
 * ChunkedWriteHandler} writes the chunks as the connection drains, so a large fetch response holds a few chunks in
 * memory at a time, not the whole response.
 *
 * <p>Owns the region: {@link #close} releases it. Not thread-safe: the connection's event loop.
 */
final class RegionChunks implements ChunkedInput<ByteBuf> {
    /** A chunk: four TLS records' worth of plaintext. */
    static final int CHUNK_BYTES = 64 * 1024;

    private final FileRegion region;
    private long done;

    RegionChunks(FileRegion region) {
        this.region = region;
    }

    /** The pipeline's converter: every {@link FileRegion} written becomes a {@link RegionChunks}. */
    static final class Converter extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            ctx.write(msg instanceof FileRegion r ? new RegionChunks(r) : msg, promise);
        }
    }

    @Override
    public boolean isEndOfInput() {
        return done >= region.count();
    }

    @Override
    public void close() {
        region.release();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        long left = region.count() - done;
        if (left <= 0) {
            return null;
        }
        int n = (int) Math.min(CHUNK_BYTES, left);
        ByteBuf chunk = allocator.directBuffer(n);
        try {
            if (region instanceof ResponseEncoder.FileBackedRegion file) {
                long position = region.position() + done;
                while (chunk.writerIndex() < n) {
                    int read = chunk.writeBytes(file.file(), position + chunk.writerIndex(), n - chunk.writerIndex());
                    if (read < 0) {
                        throw new EOFException("The file of " + region + " ends before its " + region.count()
                                + " bytes");
                    }
                }
            } else {
                transfer(chunk, n);
            }
            done += n;
            return chunk;
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e;
        }
    }

    private void transfer(ByteBuf chunk, int n) throws IOException {
        ByteBuffer target = chunk.nioBuffer(0, n);
        WritableByteChannel into = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int k = Math.min(src.remaining(), target.remaining());
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + k);
                target.put(part);
                src.position(src.position() + k);
                return k;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        while (target.hasRemaining()) {
            if (region.transferTo(into, done + target.position()) <= 0 && target.hasRemaining()) {
                throw new EOFException("The region " + region + " ends before its " + region.count() + " bytes");
            }
        }
        chunk.writerIndex(n);
    }

    @Override
    public long length() {
        return region.count();
    }

    @Override
    public long progress() {
        return done;
    }
}
