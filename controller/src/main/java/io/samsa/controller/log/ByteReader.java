package io.samsa.controller.log;

import io.samsa.wire.DecodeException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * A bounds-checked reader over a {@link ByteBuffer} for the metadata log's own encodings. Every
 * read checks the bytes that remain and throws {@link DecodeException} (never another exception)
 * when they do not suffice; no length read from the input sizes an allocation beyond the bytes
 * actually available. Not thread-safe; one per decode.
 */
public final class ByteReader {
    private final ByteBuffer buf;

    public ByteReader(ByteBuffer buf) {
        this.buf = buf;
    }

    public int remaining() {
        return buf.remaining();
    }

    private void need(int n, String what) {
        if (buf.remaining() < n) {
            throw new DecodeException("Truncated " + what + ": need " + n + " byte(s), " + buf.remaining() + " left");
        }
    }

    public byte readByte(String what) {
        need(1, what);
        return buf.get();
    }

    public short readShort(String what) {
        need(2, what);
        return buf.getShort();
    }

    public int readInt(String what) {
        need(4, what);
        return buf.getInt();
    }

    public long readLong(String what) {
        need(8, what);
        return buf.getLong();
    }

    public UUID readUuid(String what) {
        need(16, what);
        return new UUID(buf.getLong(), buf.getLong());
    }

    /** An unsigned varint of at most 5 bytes that fits in a non-negative int. */
    public int readUnsignedVarint(String what) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = readByte(what);
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0 || (shift == 28 && (b & 0x70) != 0)) {
                    throw new DecodeException("Varint out of range in " + what);
                }
                return value;
            }
        }
        throw new DecodeException("Varint longer than 5 bytes in " + what);
    }

    /** A string encoded as varint (length + 1; 0 = null) followed by UTF-8 bytes. */
    public String readNullableString(String what) {
        int lengthPlusOne = readUnsignedVarint(what);
        if (lengthPlusOne == 0) {
            return null;
        }
        int length = lengthPlusOne - 1;
        need(length, what);
        ByteBuffer slice = buf.slice();
        slice.limit(length);
        buf.position(buf.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(slice)
                .toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("Invalid UTF-8 in " + what, e);
        }
    }

    public String readString(String what) {
        String s = readNullableString(what);
        if (s == null) {
            throw new DecodeException("Null " + what);
        }
        return s;
    }

    /** An int32 list encoded as varint (count + 1; 0 = null) followed by the elements. */
    public List<Integer> readNullableIntList(String what) {
        int countPlusOne = readUnsignedVarint(what);
        if (countPlusOne == 0) {
            return null;
        }
        int count = countPlusOne - 1;
        if ((long) count * 4 > buf.remaining()) {
            throw new DecodeException("List " + what + " claims " + count + " element(s) but only "
                + buf.remaining() + " byte(s) remain");
        }
        List<Integer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(buf.getInt());
        }
        return Collections.unmodifiableList(out);
    }

    public List<Integer> readIntList(String what) {
        List<Integer> list = readNullableIntList(what);
        if (list == null) {
            throw new DecodeException("Null " + what);
        }
        return list;
    }

    /** A count of elements, each at least {@code minElementBytes} long, checked against the bytes left. */
    public int readCount(String what, int minElementBytes) {
        int count = readUnsignedVarint(what);
        if ((long) count * minElementBytes > buf.remaining()) {
            throw new DecodeException("List " + what + " claims " + count + " element(s) but only "
                + buf.remaining() + " byte(s) remain");
        }
        return count;
    }
}
