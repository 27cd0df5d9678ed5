package io.samsa.controller.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.metadata.MetadataRecordSerde;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frame of one batch of metadata records in a log segment. Stateless and thread-safe.
 *
 * <pre>
 *   0  int32  length        bytes after this field (at least 29)
 *   4  int32  crc           CRC32C of bytes [8, 4 + length)
 *   8  int8   magic         1
 *   9  int64  baseOffset    offset of the first record
 *  17  int32  epoch         leader epoch of the writer
 *  21  int64  appendTimeMs
 *  29  int32  recordCount   at least 1
 *  33  records, each:  int32 size, then size bytes (a framed record, see MetadataRecordSerde)
 * </pre>
 */
public final class EntryFormat {
    public static final int LENGTH_FIELD = 4;
    public static final int HEADER_SIZE = 33;
    /** The smallest valid value of the length field. */
    public static final int MIN_LENGTH = HEADER_SIZE - LENGTH_FIELD;
    public static final byte MAGIC = 1;
    private static final int CRC_OFFSET = 4;
    private static final int CRC_START = 8;

    private EntryFormat() {
    }

    /** Frames {@code records} as one entry; the result's backing array holds exactly the entry's bytes. */
    public static ByteWriter encode(long baseOffset, int epoch, long appendTimeMs, List<Message> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("An entry holds at least one record");
        }
        ByteWriter out = new ByteWriter(HEADER_SIZE + 64 * records.size());
        out.writeInt(0).writeInt(0).writeByte(MAGIC).writeLong(baseOffset).writeInt(epoch)
            .writeLong(appendTimeMs).writeInt(records.size());
        for (Message record : records) {
            int sizePos = out.size();
            out.writeInt(0);
            ByteBuf framed = Unpooled.buffer(MetadataRecordSerde.size(record));
            try {
                MetadataRecordSerde.write(record, framed);
                out.writeBytes(framed.array(), framed.arrayOffset() + framed.readerIndex(), framed.readableBytes());
            } finally {
                framed.release();
            }
            out.putInt(sizePos, out.size() - sizePos - 4);
        }
        out.putInt(0, out.size() - LENGTH_FIELD);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), CRC_START, out.size() - CRC_START);
        out.putInt(CRC_OFFSET, (int) crc.getValue());
        return out;
    }

    /**
     * Decodes one whole entry: {@code buf} holds exactly {@code 4 + length} bytes, starting at the
     * length field. Throws {@link DecodeException} for any inconsistency.
     */
    public static LogEntry decode(ByteBuffer buf) {
        ByteReader in = new ByteReader(buf);
        int length = in.readInt("entry length");
        if (length < MIN_LENGTH || length != in.remaining()) {
            throw new DecodeException("Entry length " + length + " does not match the " + in.remaining()
                + " byte(s) that follow");
        }
        int storedCrc = in.readInt("entry crc");
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buf.slice();
        crc.update(covered);
        if ((int) crc.getValue() != storedCrc) {
            throw new DecodeException("Entry CRC mismatch: stored " + Integer.toHexString(storedCrc)
                + ", computed " + Long.toHexString(crc.getValue()));
        }
        byte magic = in.readByte("entry magic");
        if (magic != MAGIC) {
            throw new DecodeException("Unknown entry magic " + magic);
        }
        long baseOffset = in.readLong("base offset");
        int epoch = in.readInt("epoch");
        long appendTimeMs = in.readLong("append time");
        int count = in.readInt("record count");
        if (count <= 0 || (long) count * 4 > in.remaining()) {
            throw new DecodeException("Entry claims " + count + " record(s) in " + in.remaining() + " byte(s)");
        }
        if (baseOffset < 0 || baseOffset > Long.MAX_VALUE - count) {
            throw new DecodeException("Entry base offset " + baseOffset + " out of range");
        }
        List<Message> records = readRecords(buf, in, count);
        if (in.remaining() != 0) {
            throw new DecodeException(in.remaining() + " trailing byte(s) after " + count + " record(s)");
        }
        return new LogEntry(baseOffset, epoch, appendTimeMs, records);
    }

    /** Reads {@code count} size-prefixed records from {@code buf} (which {@code in} reads). */
    static List<Message> readRecords(ByteBuffer buf, ByteReader in, int count) {
        List<Message> records = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            int size = in.readInt("record size");
            if (size < 4 || size > in.remaining()) {
                throw new DecodeException("Record " + i + " has size " + size + " with " + in.remaining()
                    + " byte(s) left");
            }
            ByteBuffer slice = buf.slice();
            slice.limit(size);
            buf.position(buf.position() + size);
            records.add(MetadataRecordSerde.read(Unpooled.wrappedBuffer(slice)));
        }
        return records;
    }
}
