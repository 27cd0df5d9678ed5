package io.samsa.wire.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The value of a {@code records} field: opaque record-batch bytes that the generated code frames
 * with a length prefix but never copies through another buffer. {@link ByteBufRecords} holds bytes
 * in memory; the server may implement this over a file region, recording where in the output the
 * region goes and splicing it in with sendfile, in which case {@link #writeTo} writes nothing.
 */
public interface Records {
    /** The number of bytes these records occupy on the wire (without the length prefix). */
    int sizeInBytes();

    /**
     * Writes the records to {@code out} right after their length prefix. Borrows {@code out}. An
     * implementation that defers the bytes (a file region) writes nothing and records
     * {@code out.writerIndex()} instead.
     */
    void writeTo(ByteBuf out);
}
