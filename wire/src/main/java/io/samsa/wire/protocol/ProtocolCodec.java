package io.samsa.wire.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.samsa.wire.DecodeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The primitive encodings of Kafka's protocol that generated messages call: unsigned varints,
 * classic (int16/int32 length) and compact (unsigned varint length + 1) strings, bytes, records
 * and arrays, UUIDs and tagged-field sections.
 *
 * <p>Readers are safe on hostile input: a length larger than the bytes remaining, a negative
 * length where null is not allowed, a varint longer than 5 bytes or malformed UTF-8 throws
 * {@link DecodeException} before anything is allocated. Reading past the end raises Netty's
 * {@link IndexOutOfBoundsException}, which each message's {@code read} turns into a
 * {@link DecodeException}. Every method borrows the buffer it is given. Stateless; any thread.
 */
public final class ProtocolCodec {
    /** The default of uuid fields. */
    public static final UUID ZERO_UUID = new UUID(0L, 0L);
    /** The default of bytes fields (shared: never mutate it). */
    public static final byte[] EMPTY_BYTES = new byte[0];

    private ProtocolCodec() {
    }

    // ---------------------------------------------------------------- varints

    /** Reads an unsigned varint of at most 5 bytes (values above 2^31-1 come back negative). */
    public static int readUnsignedVarint(ByteBuf buf) {
        int value = 0;
        int shift = 0;
        byte b;
        while (((b = buf.readByte()) & 0x80) != 0) {
            value |= (b & 0x7f) << shift;
            shift += 7;
            if (shift > 28) {
                throw new DecodeException("Unsigned varint is longer than 5 bytes");
            }
        }
        return value | (b << shift);
    }

    public static void writeUnsignedVarint(ByteBuf buf, int value) {
        int v = value;
        while ((v & 0xffffff80) != 0) {
            buf.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf.writeByte(v);
    }

    public static int sizeOfUnsignedVarint(int value) {
        return value == 0 ? 1 : (31 - Integer.numberOfLeadingZeros(value)) / 7 + 1;
    }

    /** Reads a zig-zag varint (sint32) of at most 5 bytes. */
    public static int readVarint(ByteBuf buf) {
        int raw = readUnsignedVarint(buf);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static void writeVarint(ByteBuf buf, int value) {
        writeUnsignedVarint(buf, (value << 1) ^ (value >> 31));
    }

    public static int sizeOfVarint(int value) {
        return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
    }

    /** Reads a zig-zag varlong (sint64) of at most 10 bytes. */
    public static long readVarlong(ByteBuf buf) {
        long value = 0;
        int shift = 0;
        byte b;
        while (((b = buf.readByte()) & 0x80) != 0) {
            value |= (long) (b & 0x7f) << shift;
            shift += 7;
            if (shift > 63) {
                throw new DecodeException("Varlong is longer than 10 bytes");
            }
        }
        long raw = value | ((long) b << shift);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static void writeVarlong(ByteBuf buf, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0) {
            buf.writeByte(((int) v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf.writeByte((int) v);
    }

    public static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    // ---------------------------------------------------------------- lengths

    /**
     * Reads a length prefix: compact (unsigned varint N+1, 0 = null) or classic ({@code int32}, or
     * {@code int16} for strings). Returns -1 for null; never more than the bytes remaining.
     */
    private static int readLength(ByteBuf buf, boolean compact, boolean shortLength, boolean nullable,
                                  String field, String what) {
        int len;
        if (compact) {
            int raw = readUnsignedVarint(buf);
            len = raw == 0 ? -1 : (raw < 0 ? Integer.MIN_VALUE : raw - 1);
        } else {
            len = shortLength ? buf.readShort() : buf.readInt();
        }
        if (len < 0) {
            if (len == -1) {
                if (nullable) {
                    return -1;
                }
                throw new DecodeException("Non-nullable " + what + " field " + field + " was serialized as null");
            }
            throw new DecodeException("Invalid " + what + " length " + (compact ? "(overflow)" : len)
                + " for field " + field);
        }
        if (len > buf.readableBytes()) {
            throw new DecodeException("The " + what + " field " + field + " claims " + len + " bytes but only "
                + buf.readableBytes() + " remain");
        }
        return len;
    }

    /**
     * Reads an array's element count; -1 means null. A count larger than the bytes remaining is
     * rejected (every element takes at least one byte), so callers may pre-size a list with it.
     */
    public static int readArrayLength(ByteBuf buf, boolean compact, boolean nullable, String field) {
        return readLength(buf, compact, false, nullable, field, "array");
    }

    /** Writes an array length or bytes length prefix ({@code n >= 0}). */
    public static void writeLength(ByteBuf buf, int n, boolean compact) {
        if (compact) {
            writeUnsignedVarint(buf, n + 1);
        } else {
            buf.writeInt(n);
        }
    }

    /** The size of an array or bytes length prefix; {@code n == -1} is null. */
    public static int sizeOfLength(int n, boolean compact) {
        return compact ? sizeOfUnsignedVarint(n + 1) : 4;
    }

    /** Writes a null array, or throws when the field is not nullable at this version. */
    public static void writeNullArray(ByteBuf buf, boolean compact, boolean nullable, String field, short version) {
        if (!nullable) {
            throw nullNotAllowed(field, version);
        }
        if (compact) {
            buf.writeByte(0);
        } else {
            buf.writeInt(-1);
        }
    }

    // ---------------------------------------------------------------- strings

    /** Reads a string (decoded once, UTF-8 checked); null only where {@code nullable}. */
    public static String readString(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, true, nullable, field, "string");
        if (len < 0) {
            return null;
        }
        int index = buf.readerIndex();
        if (len == 0) {
            return "";
        }
        if (!ByteBufUtil.isText(buf, index, len, StandardCharsets.UTF_8)) {
            throw new DecodeException("The string field " + field + " is not valid UTF-8");
        }
        String s = buf.toString(index, len, StandardCharsets.UTF_8);
        buf.readerIndex(index + len);
        return s;
    }

    public static void writeString(ByteBuf buf, String s, boolean compact, boolean nullable, String field) {
        if (s == null) {
            if (!nullable) {
                throw nullNotAllowed(field, (short) -1);
            }
            if (compact) {
                buf.writeByte(0);
            } else {
                buf.writeShort(-1);
            }
            return;
        }
        int len = ByteBufUtil.utf8Bytes(s);
        if (compact) {
            writeUnsignedVarint(buf, len + 1);
        } else {
            if (len > Short.MAX_VALUE) {
                throw new IllegalArgumentException("String field " + field + " has " + len
                    + " UTF-8 bytes, more than the 32767 an int16 length allows");
            }
            buf.writeShort(len);
        }
        ByteBufUtil.reserveAndWriteUtf8(buf, s, len);
    }

    public static int sizeOfString(String s, boolean compact) {
        if (s == null) {
            return compact ? 1 : 2;
        }
        int len = ByteBufUtil.utf8Bytes(s);
        return (compact ? sizeOfUnsignedVarint(len + 1) : 2) + len;
    }

    // ---------------------------------------------------------------- bytes and records

    public static byte[] readBytes(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, false, nullable, field, "bytes");
        if (len < 0) {
            return null;
        }
        byte[] b = new byte[len];
        buf.readBytes(b);
        return b;
    }

    public static void writeBytes(ByteBuf buf, byte[] b, boolean compact, boolean nullable, String field) {
        if (b == null) {
            writeNullBytes(buf, compact, nullable, field);
            return;
        }
        writeLength(buf, b.length, compact);
        buf.writeBytes(b);
    }

    public static int sizeOfBytes(byte[] b, boolean compact) {
        return b == null ? sizeOfLength(-1, compact) : sizeOfLength(b.length, compact) + b.length;
    }

    /** Reads records as a slice of {@code buf} (zero-copy, not retained); null only where nullable. */
    public static Records readRecords(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, false, nullable, field, "records");
        if (len < 0) {
            return null;
        }
        ByteBuf slice = buf.slice(buf.readerIndex(), len);
        buf.skipBytes(len);
        return new ByteBufRecords(slice);
    }

    /** Writes the length prefix from {@link Records#sizeInBytes}, then lets the records write themselves. */
    public static void writeRecords(ByteBuf buf, Records r, boolean compact, boolean nullable, String field) {
        if (r == null) {
            writeNullBytes(buf, compact, nullable, field);
            return;
        }
        writeLength(buf, r.sizeInBytes(), compact);
        r.writeTo(buf);
    }

    public static int sizeOfRecords(Records r, boolean compact) {
        if (r == null) {
            return sizeOfLength(-1, compact);
        }
        int n = r.sizeInBytes();
        return sizeOfLength(n, compact) + n;
    }

    private static void writeNullBytes(ByteBuf buf, boolean compact, boolean nullable, String field) {
        if (!nullable) {
            throw nullNotAllowed(field, (short) -1);
        }
        if (compact) {
            buf.writeByte(0);
        } else {
            buf.writeInt(-1);
        }
    }

    // ---------------------------------------------------------------- uuid

    public static UUID readUuid(ByteBuf buf) {
        long msb = buf.readLong();
        long lsb = buf.readLong();
        return new UUID(msb, lsb);
    }

    public static void writeUuid(ByteBuf buf, UUID u) {
        buf.writeLong(u.getMostSignificantBits());
        buf.writeLong(u.getLeastSignificantBits());
    }

    // ---------------------------------------------------------------- tagged fields

    /** Reads a tagged field's size, which must fit in the bytes remaining. */
    /**
     * Reads the number of tagged fields (an unsigned varint): one above {@link Integer#MAX_VALUE} is refused, as Kafka
     * refuses it, rather than read as a negative count that skips the loop over the fields.
     */
    public static int readTaggedFieldCount(ByteBuf buf) {
        int count = readUnsignedVarint(buf);
        if (count < 0) {
            throw new DecodeException("Invalid number of tagged fields " + Integer.toUnsignedString(count));
        }
        return count;
    }

    public static int readTaggedFieldSize(ByteBuf buf) {
        int size = readUnsignedVarint(buf);
        if (size < 0 || size > buf.readableBytes()) {
            throw new DecodeException("Tagged field of " + Integer.toUnsignedString(size) + " bytes but only "
                + buf.readableBytes() + " remain");
        }
        return size;
    }

    /** Checks that a known tagged field used exactly the bytes its size announced. */
    public static void checkTaggedFieldEnd(ByteBuf buf, int start, int size, int tag) {
        int used = buf.readerIndex() - start;
        if (used != size) {
            throw new DecodeException("Tagged field " + tag + " announced " + size + " bytes but its value took "
                + used);
        }
    }

    /** Keeps an unknown tagged field (size already checked), creating the list on first use. */
    public static List<RawTaggedField> readUnknownTaggedField(ByteBuf buf, List<RawTaggedField> list, int tag,
                                                              int size) {
        byte[] data = new byte[size];
        buf.readBytes(data);
        List<RawTaggedField> out = list == null ? new ArrayList<>(2) : list;
        out.add(new RawTaggedField(tag, data));
        return out;
    }

    public static int count(List<?> list) {
        return list == null ? 0 : list.size();
    }

    /**
     * Writes unknown tagged fields from index {@code from} while their (unsigned) tag is below
     * {@code limit}; returns the index of the first one not written. Called between known tags so
     * that all tagged fields come out in tag order.
     */
    public static int writeRawTaggedFields(ByteBuf buf, List<RawTaggedField> list, int from, long limit) {
        if (list == null) {
            return from;
        }
        int i = from;
        int n = list.size();
        while (i < n) {
            RawTaggedField f = list.get(i);
            if (Integer.toUnsignedLong(f.tag()) >= limit) {
                break;
            }
            writeUnsignedVarint(buf, f.tag());
            writeUnsignedVarint(buf, f.data().length);
            buf.writeBytes(f.data());
            i++;
        }
        return i;
    }

    public static int sizeOfRawTaggedFields(List<RawTaggedField> list) {
        if (list == null) {
            return 0;
        }
        int size = 0;
        for (int i = 0, n = list.size(); i < n; i++) {
            RawTaggedField f = list.get(i);
            size += sizeOfUnsignedVarint(f.tag()) + sizeOfUnsignedVarint(f.data().length) + f.data().length;
        }
        return size;
    }

    /** Equality of unknown tagged field lists, where null and empty are the same. */
    public static boolean taggedFieldsEqual(List<RawTaggedField> a, List<RawTaggedField> b) {
        if (a == null || a.isEmpty()) {
            return b == null || b.isEmpty();
        }
        return a.equals(b);
    }

    // ---------------------------------------------------------------- errors and formatting

    public static DecodeException unsupportedReadVersion(String message, short version, short low, short high) {
        return new DecodeException("Cannot read " + message + " version " + version + ": supported versions are "
            + low + " to " + high);
    }

    public static UnsupportedVersionException unsupportedWriteVersion(String message, short version, short low,
                                                                      short high) {
        return new UnsupportedVersionException("Cannot write " + message + " version " + version
            + ": supported versions are " + low + " to " + high);
    }

    public static DecodeException truncated(String message, short version, IndexOutOfBoundsException cause) {
        return new DecodeException(message + " version " + version + " is truncated", cause);
    }

    private static final java.util.Set<String> DROPPED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProtocolCodec.class);

    /**
     * Called by generated response writers when a field holds a non-default value that {@code version}
     * cannot carry: the field is left out (the client's version has no place for it) and the first
     * occurrence per message, field and version is logged at WARN so that the handler can be fixed.
     */
    public static void droppedOnWrite(String message, String field, short version) {
        if (DROPPED.size() < 10_000 && DROPPED.add(message + "." + field + "@" + version)) {
            LOG.warn("Left out a non-default {} of {} at version {}, which cannot carry it", field, message,
                    version);
        }
    }

    public static UnsupportedVersionException cannotWrite(String message, String field, short version) {
        return new UnsupportedVersionException("Cannot write a non-default " + field + " in " + message
            + " at version " + version);
    }

    public static <T> T requireNonNull(T value, String field, short version) {
        if (value == null) {
            throw nullNotAllowed(field, version);
        }
        return value;
    }

    private static NullPointerException nullNotAllowed(String field, short version) {
        return new NullPointerException("Field " + field + " is null but not nullable"
            + (version >= 0 ? " at version " + version : " at this version"));
    }

    /** A string for toString: quoted, or null. */
    public static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    /** Bytes for toString: their size only (never the payload). */
    public static String describeBytes(byte[] b) {
        return b == null ? "null" : "bytes[" + b.length + "]";
    }
}
