package io.samsa.wire.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * {@link Records} over the readable bytes of a {@link ByteBuf}. Reading a records field yields one
 * over a slice of the input (zero-copy and not retained: valid while the input buffer is). This
 * class neither retains nor releases its buffer: the owner of the underlying memory does. Equality
 * is by content. Not thread-safe.
 */
public final class ByteBufRecords implements Records {
    private final ByteBuf buf;

    /** Borrows {@code buf}: its readable bytes are the records; its indexes are never moved. */
    public ByteBufRecords(ByteBuf buf) {
        this.buf = buf;
    }

    /** Records holding a copy-free view of {@code bytes}. */
    public static ByteBufRecords wrap(byte[] bytes) {
        return new ByteBufRecords(Unpooled.wrappedBuffer(bytes));
    }

    /** The buffer; its readable bytes are the records. */
    public ByteBuf buffer() {
        return buf;
    }

    @Override
    public int sizeInBytes() {
        return buf.readableBytes();
    }

    @Override
    public void writeTo(ByteBuf out) {
        out.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteBufRecords && ByteBufUtil.equals(buf, ((ByteBufRecords) o).buf);
    }

    @Override
    public int hashCode() {
        return ByteBufUtil.hashCode(buf);
    }

    @Override
    public String toString() {
        return "ByteBufRecords(sizeInBytes=" + buf.readableBytes() + ")";
    }
}
