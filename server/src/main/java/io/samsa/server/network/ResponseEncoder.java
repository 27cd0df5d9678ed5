package io.samsa.server.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.Records;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Encodes a response frame: size prefix, response header (v0: correlation id; v1: plus an empty
 * tagged-field section), body. Sizes first and allocates once. Thread-safe.
 *
 * <p>A {@link SplicedResponse} (a fetch response whose records stay in segment files) is encoded as a
 * {@code List} of parts: slices of the encoded buffer with a {@link FileRegion} (sendfile) between them wherever
 * a {@link DeferredRecords} was written; the size prefix counts the file bytes.
 */
public final class ResponseEncoder {
    private static final Comparator<DeferredRecords> BY_MARK = Comparator.comparingInt(DeferredRecords::mark);

    private ResponseEncoder() {
    }

    /**
     * Records whose bytes are not copied into the response buffer: {@link #writeTo} only records
     * {@code out.writerIndex()} ({@link #mark}), and the encoder splices {@link #toFileRegion} in at that point.
     */
    public interface DeferredRecords extends Records {
        /** The writer index noted by {@link #writeTo}, or -1 if it was not written. */
        int mark();

        /** Hands the bytes over as a region the caller owns. Called at most once, after {@link #writeTo}. */
        FileRegion toFileRegion();

        /** Drops the bytes if they were not handed over (the response was not sent). Idempotent. */
        void release();
    }

    /**
     * A region whose file a TLS connection reads itself ({@link RegionChunks}): sendfile cannot go through the
     * encryption, so the bytes are copied once, from the file into the buffers the TLS engine encrypts.
     */
    public interface FileBackedRegion extends FileRegion {
        /** The file the region's {@link #position()} and {@link #count()} are in; not closed by the reader. */
        FileChannel file();
    }

    /** A response whose records fields include {@link DeferredRecords}. */
    public interface SplicedResponse extends Message {
        /** Every deferred records value of this response, in any order. */
        List<? extends DeferredRecords> deferredRecords();

        /** Drops every deferred records value not handed over yet (the response will not be sent). */
        default void releaseDeferred() {
            for (DeferredRecords d : deferredRecords()) {
                d.release();
            }
        }
    }

    /** Returns a new buffer the caller owns. */
    public static ByteBuf encode(ByteBufAllocator alloc, int correlationId, short headerVersion, Message body,
                                 short version) {
        int headerSize = headerVersion >= 1 ? 5 : 4;
        int bodySize = body.size(version);
        ByteBuf buf = alloc.directBuffer(4 + headerSize + bodySize);
        try {
            buf.writeInt(headerSize + bodySize);
            buf.writeInt(correlationId);
            if (headerVersion >= 1) {
                buf.writeByte(0);
            }
            body.write(buf, version);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * Encodes any response: a {@code ByteBuf}, or for a {@link SplicedResponse} with deferred records a
     * {@code List} of {@code ByteBuf} and {@code FileRegion} parts. The caller owns the result. Takes ownership
     * of the deferred records: on failure they are released.
     */
    public static Object encodeResponse(ByteBufAllocator alloc, int correlationId, short headerVersion,
                                        Message body, short version) {
        if (!(body instanceof SplicedResponse spliced) || spliced.deferredRecords().isEmpty()) {
            return encode(alloc, correlationId, headerVersion, body, version);
        }
        ByteBuf buf = null;
        List<Object> parts = null;
        try {
            List<DeferredRecords> deferred = new ArrayList<>(spliced.deferredRecords());
            long fileBytes = 0;
            for (DeferredRecords d : deferred) {
                fileBytes += d.sizeInBytes();
            }
            int headerSize = headerVersion >= 1 ? 5 : 4;
            int bodySize = body.size(version);
            buf = alloc.directBuffer((int) (4 + headerSize + bodySize - fileBytes));
            buf.writeInt(headerSize + bodySize);
            buf.writeInt(correlationId);
            if (headerVersion >= 1) {
                buf.writeByte(0);
            }
            body.write(buf, version);
            deferred.sort(BY_MARK);
            parts = new ArrayList<>(2 * deferred.size() + 1);
            int prev = buf.readerIndex();
            for (DeferredRecords d : deferred) {
                int mark = d.mark();
                if (mark < 0) {
                    throw new IllegalStateException("Deferred records were not written: " + d);
                }
                if (mark > prev) {
                    parts.add(buf.retainedSlice(prev, mark - prev));
                }
                parts.add(d.toFileRegion());
                prev = mark;
            }
            if (buf.writerIndex() > prev) {
                parts.add(buf.retainedSlice(prev, buf.writerIndex() - prev));
            }
            buf.release();
            return parts;
        } catch (RuntimeException e) {
            if (buf != null) {
                buf.release();
            }
            if (parts != null) {
                for (Object part : parts) {
                    io.netty.util.ReferenceCountUtil.release(part);
                }
            }
            spliced.releaseDeferred();
            throw e;
        }
    }
}
