package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A flyweight over one RecordBatch (magic 2) in a {@link ByteBuf}: reads the header in place,
 * checks the CRC32C and rewrites the base offset, partition leader epoch and max timestamp
 * without copying the batch.
 *
 * <pre>
 *  offset  size  field
 *  0       8     baseOffset
 *  8       4     batchLength          (bytes after this field)
 *  12      4     partitionLeaderEpoch
 *  16      1     magic                (2)
 *  17      4     crc                  (CRC32C of bytes 21..end)
 *  21      2     attributes           (bits 0-2 compression, 3 timestamp type, 4 transactional,
 *                                      5 control, 6 delete horizon)
 *  23      4     lastOffsetDelta
 *  27      8     baseTimestamp
 *  35      8     maxTimestamp
 *  43      8     producerId
 *  51      2     producerEpoch
 *  53      4     baseSequence
 *  57      4     recordsCount
 *  61      ...   records
 * </pre>
 *
 * <p>Not thread-safe; one view is reused by one thread with {@link #wrap}. The view borrows the
 * buffer: it never retains or releases it.
 */
public final class RecordBatchView {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    /** Size of the batch header; the first record starts here. */
    public static final int HEADER_SIZE = 61;
    /** Bytes before and including the batchLength field: batch size = LOG_OVERHEAD + batchLength. */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC_V2 = 2;

    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;
    public static final int DELETE_HORIZON_MASK = 0x40;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;

    private final CRC32C crc32c = new CRC32C();
    private ByteBuf buf;
    private int start;

    /** Points this view at the batch starting at absolute index {@code start} of {@code buf}. */
    public RecordBatchView wrap(ByteBuf buf, int start) {
        this.buf = buf;
        this.start = start;
        return this;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int start() {
        return start;
    }

    /**
     * Returns the size in bytes of the batch at {@code start}, or -1 when fewer than
     * {@link #LOG_OVERHEAD} bytes are readable there. Does not validate the batch.
     */
    public static int peekSize(ByteBuf buf, int start, int end) {
        if (end - start < LOG_OVERHEAD) {
            return -1;
        }
        return LOG_OVERHEAD + buf.getInt(start + BATCH_LENGTH_OFFSET);
    }

    public long baseOffset() {
        return buf.getLong(start + BASE_OFFSET_OFFSET);
    }

    public int batchLength() {
        return buf.getInt(start + BATCH_LENGTH_OFFSET);
    }

    /** The whole batch's size in bytes, including the offset and length fields. */
    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength();
    }

    public int partitionLeaderEpoch() {
        return buf.getInt(start + PARTITION_LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buf.getByte(start + MAGIC_OFFSET);
    }

    /** The stored CRC32C, as an unsigned 32-bit value. */
    public long crc() {
        return buf.getUnsignedInt(start + CRC_OFFSET);
    }

    public short attributes() {
        return buf.getShort(start + ATTRIBUTES_OFFSET);
    }

    /** The compression codec; throws {@link DecodeException} for the undefined ids 5-7. */
    public CompressionType compressionType() {
        return CompressionType.forId(compressionId());
    }

    /** Compression codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
    public int compressionId() {
        return attributes() & COMPRESSION_MASK;
    }

    /** True when the timestamps are LogAppendTime rather than CreateTime. */
    public boolean isLogAppendTime() {
        return (attributes() & TIMESTAMP_TYPE_MASK) != 0;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_MASK) != 0;
    }

    public boolean hasDeleteHorizon() {
        return (attributes() & DELETE_HORIZON_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buf.getInt(start + LAST_OFFSET_DELTA_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return buf.getLong(start + BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buf.getLong(start + MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buf.getLong(start + PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buf.getShort(start + PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buf.getInt(start + BASE_SEQUENCE_OFFSET);
    }

    /** The sequence of the last record, wrapping at Integer.MAX_VALUE as Kafka does. */
    public int lastSequence() {
        int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        long last = (long) base + lastOffsetDelta();
        return last > Integer.MAX_VALUE ? (int) (last - Integer.MAX_VALUE - 1) : (int) last;
    }

    public int recordCount() {
        return buf.getInt(start + RECORDS_COUNT_OFFSET);
    }

    public boolean hasProducerId() {
        return producerId() != NO_PRODUCER_ID;
    }

    /**
     * Computes the CRC32C over attributes..end of batch. Allocates nothing for heap buffers and
     * single-component direct buffers (it reuses this view's checksum and the buffer's internal NIO
     * view), so it can run once per batch on the produce path.
     */
    public long computeCrc() {
        int from = start + ATTRIBUTES_OFFSET;
        int len = sizeInBytes() - ATTRIBUTES_OFFSET;
        CRC32C crc = crc32c;
        crc.reset();
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + from, len);
        } else if (buf.nioBufferCount() == 1) {
            crc.update(buf.internalNioBuffer(from, len));
        } else {
            for (ByteBuffer nio : buf.nioBuffers(from, len)) {
                crc.update(nio);
            }
        }
        return crc.getValue();
    }

    /** True when the stored CRC matches the batch's bytes. Requires the whole batch to be readable. */
    public boolean isCrcValid() {
        return crc() == computeCrc();
    }

    /**
     * Checks the header's structure against {@code available} readable bytes from the start: the
     * magic, a batch length that fits, a length at least the header size, and the CRC. Throws
     * {@link DecodeException} naming the problem.
     */
    public void validate(int available) {
        if (available < HEADER_SIZE) {
            throw new DecodeException("Record batch is truncated: " + available
                    + " bytes, the header alone is " + HEADER_SIZE);
        }
        byte magic = magic();
        if (magic != MAGIC_V2) {
            throw new DecodeException("Unsupported record batch magic " + magic + " (only 2 is supported)");
        }
        int length = batchLength();
        if (length < HEADER_SIZE - LOG_OVERHEAD) {
            throw new DecodeException("Record batch length " + length + " is smaller than the header");
        }
        if ((long) length + LOG_OVERHEAD > available) {
            throw new DecodeException("Record batch length " + length + " exceeds the "
                    + (available - LOG_OVERHEAD) + " bytes that remain");
        }
        int count = recordCount();
        if (count < 0) {
            throw new DecodeException("Record batch has a negative record count " + count);
        }
        if (!isCrcValid()) {
            throw new DecodeException("Record batch CRC mismatch: stored " + crc() + ", computed " + computeCrc());
        }
    }

    /** Rewrites the base offset in place. The CRC does not cover it. */
    public void setBaseOffset(long baseOffset) {
        buf.setLong(start + BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Rewrites the partition leader epoch in place. The CRC does not cover it. */
    public void setPartitionLeaderEpoch(int epoch) {
        buf.setInt(start + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    /**
     * Sets the timestamp type and max timestamp (LogAppendTime on the broker) and recomputes the
     * CRC, which covers both.
     */
    public void setMaxTimestamp(boolean logAppendTime, long maxTimestamp) {
        short attributes = attributes();
        short updated = (short) (logAppendTime ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK);
        if (updated == attributes && maxTimestamp() == maxTimestamp) {
            return;
        }
        buf.setShort(start + ATTRIBUTES_OFFSET, updated);
        buf.setLong(start + MAX_TIMESTAMP_OFFSET, maxTimestamp);
        buf.setInt(start + CRC_OFFSET, (int) computeCrc());
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", count="
                + recordCount() + ", size=" + sizeInBytes() + ", producerId=" + producerId() + ")";
    }
}
