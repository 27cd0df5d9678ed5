package io.samsa.controller.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A growable big-endian byte array for the metadata log's own encodings: the counterpart of
 * {@link ByteReader}. Control path only. Not thread-safe.
 */
public final class ByteWriter {
    private byte[] bytes;
    private int size;

    public ByteWriter(int initialCapacity) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int n) {
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
        }
    }

    public int size() {
        return size;
    }

    public ByteWriter writeByte(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    public ByteWriter writeShort(int v) {
        ensure(2);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
        return this;
    }

    public ByteWriter writeInt(int v) {
        ensure(4);
        putInt(size, v);
        size += 4;
        return this;
    }

    /** Overwrites 4 bytes at {@code position} (which must already be written). */
    public void putInt(int position, int v) {
        bytes[position] = (byte) (v >>> 24);
        bytes[position + 1] = (byte) (v >>> 16);
        bytes[position + 2] = (byte) (v >>> 8);
        bytes[position + 3] = (byte) v;
    }

    public ByteWriter writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    public ByteWriter writeUuid(UUID id) {
        writeLong(id.getMostSignificantBits());
        return writeLong(id.getLeastSignificantBits());
    }

    public ByteWriter writeUnsignedVarint(int v) {
        while ((v & ~0x7f) != 0) {
            writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        return writeByte(v);
    }

    public ByteWriter writeNullableString(String s) {
        if (s == null) {
            return writeUnsignedVarint(0);
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeUnsignedVarint(utf8.length + 1);
        return writeBytes(utf8, 0, utf8.length);
    }

    public ByteWriter writeNullableIntList(List<Integer> list) {
        if (list == null) {
            return writeUnsignedVarint(0);
        }
        writeUnsignedVarint(list.size() + 1);
        for (int v : list) {
            writeInt(v);
        }
        return this;
    }

    public ByteWriter writeBytes(byte[] src, int offset, int length) {
        ensure(length);
        System.arraycopy(src, offset, bytes, size, length);
        size += length;
        return this;
    }

    /** The bytes written so far, as a buffer sharing this writer's array (valid until the next write). */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    public byte[] array() {
        return bytes;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }
}
