package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;

/**
 * Zig-zag variable-length integers as the v2 record format uses them (protobuf's encoding): a
 * varint is at most 5 bytes, a varlong at most 10. Readers take absolute indexes and an exclusive
 * limit so that a value can never be read past the record that contains it; they return the value
 * and leave the index after it in a caller-owned cursor field, so nothing is allocated.
 *
 * <p>Stateless; any thread.
 */
public final class Varints {
    private Varints() {
    }

    /** Bytes that {@link #writeVarint} writes for {@code value}. */
    public static int sizeOfVarint(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xFFFFFF80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /** Bytes that {@link #writeVarlong} writes for {@code value}. */
    public static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    public static void writeVarint(ByteBuf buf, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xFFFFFF80) != 0) {
            buf.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf.writeByte(v);
    }

    public static void writeVarlong(ByteBuf buf, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            buf.writeByte(((int) v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf.writeByte((int) v);
    }

    /**
     * A decoding position: {@link #readVarint} and {@link #readVarlong} advance {@code index}.
     * One instance per reader, reused; not thread-safe.
     */
    static final class Position {
        int index;
    }

    /** Reads a zig-zag varint at {@code pos.index}, never at or past {@code limit}. */
    static int readVarint(ByteBuf buf, Position pos, int limit) {
        int raw = 0;
        int i = pos.index;
        for (int shift = 0; shift < 35; shift += 7) {
            if (i >= limit) {
                throw new DecodeException("Varint runs past the end of the record at index " + i);
            }
            int b = buf.getByte(i++);
            raw |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                pos.index = i;
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new DecodeException("Varint is longer than 5 bytes at index " + pos.index);
    }

    /** Reads a zig-zag varlong at {@code pos.index}, never at or past {@code limit}. */
    static long readVarlong(ByteBuf buf, Position pos, int limit) {
        long raw = 0;
        int i = pos.index;
        for (int shift = 0; shift < 70; shift += 7) {
            if (i >= limit) {
                throw new DecodeException("Varlong runs past the end of the record at index " + i);
            }
            int b = buf.getByte(i++);
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                pos.index = i;
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new DecodeException("Varlong is longer than 10 bytes at index " + pos.index);
    }
}
