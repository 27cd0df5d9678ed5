package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.util.List;

/**
 * Builds one v2 record batch (see {@link RecordBatchView} for the layout): for internal topics,
 * control records and tests. Set the batch fields, append records in offset order, then
 * {@link #build()}, which writes the header with the record count, last offset delta, max timestamp
 * and CRC32C, and returns the batch.
 *
 * <pre>{@code
 * try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
 *     ByteBuf batch = b.baseOffset(100).compression(CompressionType.ZSTD)
 *             .append(now, key, value).append(now, null, tombstoneValue).build();
 * }
 * }</pre>
 *
 * The base timestamp is the first record's timestamp. Records of an uncompressed batch are written
 * straight into the output buffer; a compressed batch's records go to a temporary buffer that
 * {@code build} compresses and releases. Appending allocates nothing per record beyond buffer growth
 * (the {@link Header} overloads aside).
 *
 * <p>Not thread-safe; single use: one thread appends and builds once. The builder owns its buffers
 * until {@code build} hands the batch to the caller (who must release it); {@link #close} releases
 * them when {@code build} was never called.
 */
public final class RecordBatchBuilder implements AutoCloseable {
    private final ByteBufAllocator alloc;

    private long baseOffset;
    private int partitionLeaderEpoch = RecordBatchView.NO_PARTITION_LEADER_EPOCH;
    private long producerId = RecordBatchView.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchView.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatchView.NO_SEQUENCE;
    private boolean transactional;
    private boolean control;
    private boolean logAppendTime;
    private long logAppendTimestamp = RecordBatchView.NO_TIMESTAMP;
    private CompressionType compression = CompressionType.NONE;
    private int compressionLevel = CompressionType.NONE.defaultLevel();
    private long deleteHorizon = RecordBatchView.NO_TIMESTAMP;
    private long lastOffset = -1;
    private long emptyTimestamp = RecordBatchView.NO_TIMESTAMP;

    private ByteBuf records;
    private boolean built;
    private int count;
    private long baseTimestamp;
    private long maxTimestamp = RecordBatchView.NO_TIMESTAMP;
    private int lastOffsetDelta = -1;

    public RecordBatchBuilder(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    public RecordBatchBuilder baseOffset(long baseOffset) {
        checkNoRecords();
        this.baseOffset = baseOffset;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    /** Idempotent or transactional producer fields; the defaults are -1 (no producer). */
    public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder transactional(boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    /** Marks the batch as a control batch: its records must be control records (key = version, type). */
    public RecordBatchBuilder control(boolean control) {
        this.control = control;
        return this;
    }

    /** Uses LogAppendTime: the batch's max timestamp is {@code timestamp} and readers use it for all records. */
    public RecordBatchBuilder logAppendTime(long timestamp) {
        this.logAppendTime = true;
        this.logAppendTimestamp = timestamp;
        return this;
    }

    public RecordBatchBuilder compression(CompressionType compression) {
        return compression(compression, compression.defaultLevel());
    }

    /** The codec and its level (KIP-390; see {@link CompressionType#isValidLevel}). */
    public RecordBatchBuilder compression(CompressionType compression, int level) {
        checkNoRecords();
        if (!compression.isValidLevel(level)) {
            throw new IllegalArgumentException("Invalid " + compression.configName() + " compression level " + level);
        }
        this.compression = compression;
        this.compressionLevel = level;
        return this;
    }

    /**
     * Marks the batch with a delete horizon (attribute bit 6, KIP-534): the base timestamp field holds
     * {@code horizonMs} instead of the first record's timestamp, and record timestamps are deltas from it.
     * The log cleaner sets it on batches holding tombstones or removable transaction markers.
     */
    public RecordBatchBuilder deleteHorizon(long horizonMs) {
        checkNoRecords();
        if (horizonMs < 0) {
            throw new IllegalArgumentException("A delete horizon is a time, not " + horizonMs);
        }
        this.deleteHorizon = horizonMs;
        return this;
    }

    /**
     * Keeps the batch's offset range up to {@code lastOffset} whatever records it holds, as the log
     * cleaner does for a batch whose last records it removed (the producer's last sequence is then
     * still base sequence + last offset delta). With no record appended, {@link #build} writes an
     * empty batch (header only, uncompressed) whose timestamps are {@link #emptyBatchTimestamp}.
     */
    public RecordBatchBuilder lastOffset(long lastOffset) {
        if (lastOffset < baseOffset || lastOffset - baseOffset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Last offset " + lastOffset + " must be within 2^31 above the base "
                    + "offset " + baseOffset);
        }
        this.lastOffset = lastOffset;
        return this;
    }

    /** The base and max timestamp of an empty batch (see {@link #lastOffset}); default -1. */
    public RecordBatchBuilder emptyBatchTimestamp(long timestamp) {
        this.emptyTimestamp = timestamp;
        return this;
    }

    /** Appends a record at the next offset. Borrows {@code key} and {@code value} (either may be null). */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return appendWithOffset(nextOffset(), timestamp, key, value, List.of());
    }

    /** Appends a record with headers at the next offset. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return appendWithOffset(nextOffset(), timestamp, key, value, headers);
    }

    /**
     * Appends a record at the next offset; borrows the readable bytes of {@code key} and
     * {@code value} (either may be null) without moving their reader indexes.
     */
    public RecordBatchBuilder append(long timestamp, ByteBuf key, ByteBuf value) {
        int keySize = key == null ? -1 : key.readableBytes();
        int valueSize = value == null ? -1 : value.readableBytes();
        int bodySize = sizeOfBytes(keySize) + sizeOfBytes(valueSize) + Varints.sizeOfVarint(0);
        ByteBuf out = beginRecord(nextOffset(), timestamp, bodySize);
        writeBytes(out, key);
        writeBytes(out, value);
        Varints.writeVarint(out, 0);
        return this;
    }

    /**
     * Appends a record at {@code offset}, which must be above the previous record's (a batch may have
     * gaps, as after compaction) and within 2^31 of the base offset.
     */
    public RecordBatchBuilder appendWithOffset(long offset, long timestamp, byte[] key, byte[] value,
                                               List<Header> headers) {
        int bodySize = sizeOfBytes(key == null ? -1 : key.length) + sizeOfBytes(value == null ? -1 : value.length)
                + Varints.sizeOfVarint(headers.size());
        for (int i = 0; i < headers.size(); i++) {
            Header h = headers.get(i);
            int keyBytes = ByteBufUtil.utf8Bytes(h.key());
            int valueBytes = h.value() == null ? -1 : h.value().length;
            bodySize += Varints.sizeOfVarint(keyBytes) + keyBytes + sizeOfBytes(valueBytes);
        }
        ByteBuf out = beginRecord(offset, timestamp, bodySize);
        writeBytes(out, key);
        writeBytes(out, value);
        Varints.writeVarint(out, headers.size());
        for (int i = 0; i < headers.size(); i++) {
            Header h = headers.get(i);
            Varints.writeVarint(out, ByteBufUtil.utf8Bytes(h.key()));
            ByteBufUtil.writeUtf8(out, h.key());
            writeBytes(out, h.value());
        }
        return this;
    }

    /**
     * Appends at {@code offset} a record copied from another batch: the key, value and encoded headers
     * are byte ranges of {@code src} ({@code keyLength}/{@code valueLength} -1 for null), the headers
     * as {@link RecordCursor} exposes them ({@code headerCount} headers in {@code headersLength} bytes).
     * Borrows {@code src}; allocates nothing per record beyond buffer growth. The log cleaner's way of
     * rewriting the records it keeps.
     */
    public RecordBatchBuilder appendCopy(long offset, long timestamp, ByteBuf src, int keyIndex, int keyLength,
                                         int valueIndex, int valueLength, int headersIndex, int headersLength,
                                         int headerCount) {
        int bodySize = sizeOfBytes(keyLength) + sizeOfBytes(valueLength) + Varints.sizeOfVarint(headerCount)
                + headersLength;
        ByteBuf out = beginRecord(offset, timestamp, bodySize);
        writeRange(out, src, keyIndex, keyLength);
        writeRange(out, src, valueIndex, valueLength);
        Varints.writeVarint(out, headerCount);
        out.writeBytes(src, headersIndex, headersLength);
        return this;
    }

    /**
     * Appends a control record (key: version 0 and {@code type}) with {@code value} at the next
     * offset; the batch must be a {@link #control} batch.
     */
    public RecordBatchBuilder appendControl(long timestamp, ControlRecordType type, ByteBuf value) {
        if (!control) {
            throw new IllegalStateException("Control records go in control batches");
        }
        int valueSize = value == null ? -1 : value.readableBytes();
        int bodySize = sizeOfBytes(ControlRecordType.KEY_SIZE) + sizeOfBytes(valueSize) + Varints.sizeOfVarint(0);
        ByteBuf out = beginRecord(nextOffset(), timestamp, bodySize);
        Varints.writeVarint(out, ControlRecordType.KEY_SIZE);
        type.writeKey(out);
        writeBytes(out, value);
        Varints.writeVarint(out, 0);
        return this;
    }

    /** Number of records appended so far. */
    public int recordCount() {
        return count;
    }

    /**
     * Writes the header and returns the batch; the caller owns it and must release it. At least one
     * record is required.
     */
    public ByteBuf build() {
        if (built) {
            throw new IllegalStateException("The batch was already built");
        }
        if (count == 0 && lastOffset < 0) {
            throw new IllegalStateException("A record batch needs at least one record");
        }
        if (lastOffset >= 0 && lastOffset - baseOffset < lastOffsetDelta) {
            throw new IllegalStateException("Last offset " + lastOffset + " is below the last record's "
                    + (baseOffset + lastOffsetDelta));
        }
        built = true;
        ByteBuf batch;
        if (count == 0) {
            // An empty batch keeps only its header (offsets, producer fields), uncompressed.
            batch = alloc.buffer(RecordBatchView.HEADER_SIZE);
            batch.writeZero(RecordBatchView.HEADER_SIZE);
            compression = CompressionType.NONE;
            baseTimestamp = emptyTimestamp;
            maxTimestamp = emptyTimestamp;
        } else if (compression == CompressionType.NONE) {
            batch = records;
        } else {
            ByteBuf compressed = alloc.buffer(RecordBatchView.HEADER_SIZE + records.readableBytes() / 2 + 64);
            try {
                compressed.writeZero(RecordBatchView.HEADER_SIZE);
                compression.compress(records, compressed, compressionLevel);
            } catch (RuntimeException e) {
                compressed.release();
                throw e;
            } finally {
                records.release();
            }
            batch = compressed;
        }
        records = null;
        int start = batch.readerIndex();
        int attributes = compression.id()
                | (logAppendTime ? RecordBatchView.TIMESTAMP_TYPE_MASK : 0)
                | (transactional ? RecordBatchView.TRANSACTIONAL_MASK : 0)
                | (control ? RecordBatchView.CONTROL_MASK : 0)
                | (deleteHorizon >= 0 && count > 0 ? RecordBatchView.DELETE_HORIZON_MASK : 0);
        batch.setLong(start + RecordBatchView.BASE_OFFSET_OFFSET, baseOffset);
        batch.setInt(start + RecordBatchView.BATCH_LENGTH_OFFSET, batch.readableBytes() - RecordBatchView.LOG_OVERHEAD);
        batch.setInt(start + RecordBatchView.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        batch.setByte(start + RecordBatchView.MAGIC_OFFSET, RecordBatchView.MAGIC_V2);
        batch.setShort(start + RecordBatchView.ATTRIBUTES_OFFSET, attributes);
        batch.setInt(start + RecordBatchView.LAST_OFFSET_DELTA_OFFSET,
                lastOffset >= 0 ? (int) (lastOffset - baseOffset) : lastOffsetDelta);
        batch.setLong(start + RecordBatchView.BASE_TIMESTAMP_OFFSET, baseTimestamp);
        batch.setLong(start + RecordBatchView.MAX_TIMESTAMP_OFFSET, logAppendTime ? logAppendTimestamp : maxTimestamp);
        batch.setLong(start + RecordBatchView.PRODUCER_ID_OFFSET, producerId);
        batch.setShort(start + RecordBatchView.PRODUCER_EPOCH_OFFSET, producerEpoch);
        batch.setInt(start + RecordBatchView.BASE_SEQUENCE_OFFSET, baseSequence);
        batch.setInt(start + RecordBatchView.RECORDS_COUNT_OFFSET, count);
        RecordBatchView view = new RecordBatchView().wrap(batch, start);
        batch.setInt(start + RecordBatchView.CRC_OFFSET, (int) view.computeCrc());
        return batch;
    }

    /**
     * Builds a control batch holding one end-transaction marker (KIP-98): COMMIT or ABORT for the
     * producer's transaction, written by the transaction coordinator's partition leader. The caller
     * owns the returned buffer.
     */
    public static ByteBuf endTxnMarker(ByteBufAllocator alloc, long baseOffset, long timestamp,
                                       int partitionLeaderEpoch, long producerId, short producerEpoch,
                                       ControlRecordType type, int coordinatorEpoch) {
        if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
            throw new IllegalArgumentException("An end transaction marker is COMMIT or ABORT, not " + type);
        }
        ByteBuf value = alloc.buffer(ControlRecordType.END_TXN_VALUE_SIZE);
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            value.writeShort(0).writeInt(coordinatorEpoch);
            return b.baseOffset(baseOffset).partitionLeaderEpoch(partitionLeaderEpoch)
                    .producer(producerId, producerEpoch, RecordBatchView.NO_SEQUENCE)
                    .transactional(true).control(true)
                    .appendControl(timestamp, type, value)
                    .build();
        } finally {
            value.release();
        }
    }

    /** Releases the records if {@link #build} was not called; harmless after it. */
    @Override
    public void close() {
        if (records != null) {
            records.release();
            records = null;
        }
        built = true;
    }

    private void checkNoRecords() {
        if (count > 0) {
            throw new IllegalStateException("Set the base offset and compression before appending records");
        }
    }

    private long nextOffset() {
        return count == 0 ? baseOffset : baseOffset + lastOffsetDelta + 1;
    }

    private static int sizeOfBytes(int length) {
        return Varints.sizeOfVarint(length) + Math.max(length, 0);
    }

    private static void writeBytes(ByteBuf out, byte[] bytes) {
        if (bytes == null) {
            Varints.writeVarint(out, -1);
        } else {
            Varints.writeVarint(out, bytes.length);
            out.writeBytes(bytes);
        }
    }

    private static void writeBytes(ByteBuf out, ByteBuf bytes) {
        if (bytes == null) {
            Varints.writeVarint(out, -1);
        } else {
            Varints.writeVarint(out, bytes.readableBytes());
            out.writeBytes(bytes, bytes.readerIndex(), bytes.readableBytes());
        }
    }

    private static void writeRange(ByteBuf out, ByteBuf src, int index, int length) {
        Varints.writeVarint(out, length);
        if (length > 0) {
            out.writeBytes(src, index, length);
        }
    }

    /**
     * Checks the offset, then writes a record's length, attributes, timestamp delta and offset delta.
     * {@code restSize} is the size of the fields after the offset delta (key, value, headers).
     */
    private ByteBuf beginRecord(long offset, long timestamp, int restSize) {
        if (built) {
            throw new IllegalStateException("The batch was already built");
        }
        long delta = offset - baseOffset;
        if (delta <= lastOffsetDelta || delta > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " must be above the previous offset "
                    + (baseOffset + lastOffsetDelta) + " and within 2^31 of the base offset " + baseOffset);
        }
        if (records == null) {
            records = alloc.buffer(256);
            if (compression == CompressionType.NONE) {
                records.writeZero(RecordBatchView.HEADER_SIZE);
            }
            baseTimestamp = deleteHorizon >= 0 ? deleteHorizon : timestamp;
        }
        int offsetDelta = (int) delta;
        long timestampDelta = timestamp - baseTimestamp;
        int bodySize = 1 + Varints.sizeOfVarlong(timestampDelta) + Varints.sizeOfVarint(offsetDelta) + restSize;
        Varints.writeVarint(records, bodySize);
        records.writeByte(0);
        Varints.writeVarlong(records, timestampDelta);
        Varints.writeVarint(records, offsetDelta);
        count++;
        lastOffsetDelta = offsetDelta;
        maxTimestamp = count == 1 ? timestamp : Math.max(maxTimestamp, timestamp);
        return records;
    }
}
