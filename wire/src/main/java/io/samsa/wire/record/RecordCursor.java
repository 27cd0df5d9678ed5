package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.DecodeException;

/**
 * A reusable, allocation-free cursor over the records of one v2 batch. {@link #open} points it at a
 * batch (decompressing the records section first when the batch is compressed); each {@link #next}
 * parses one record in place and exposes its fields as primitives and its key, value and header
 * bytes as (index, length) pairs into {@link #buffer()}. A record's layout:
 *
 * <pre>
 *  length          varint   bytes after this field
 *  attributes      int8     (unused, 0)
 *  timestampDelta  varlong  from the batch's baseTimestamp
 *  offsetDelta     varint   from the batch's baseOffset
 *  keyLength       varint   -1 = null key
 *  key             bytes
 *  valueLength     varint   -1 = null value
 *  value           bytes
 *  headerCount     varint
 *  header*         keyLength varint (>= 0), key UTF-8 bytes, valueLength varint (-1 = null), value
 * </pre>
 *
 * Every length is checked against the record's own bounds, a record must consume exactly its
 * declared length, and the batch must hold exactly its declared record count; violations throw
 * {@link DecodeException}. Each {@code next} consumes at least one byte, so a hostile count cannot
 * make it loop beyond the bytes present.
 *
 * <p>Not thread-safe: one thread opens, iterates and closes it. The cursor borrows the batch's
 * buffer (which must stay valid while iterating) and owns the decompressed buffer of a compressed
 * batch, which {@link #close} releases (so does the next {@code open}). Slices returned by
 * {@link #keySlice()} and friends are valid until then and are not retained.
 */
public final class RecordCursor implements AutoCloseable {
    private final Varints.Position pos = new Varints.Position();
    private final Varints.Position headerPos = new Varints.Position();

    private ByteBuf buf;
    private ByteBuf owned;
    private int end;
    private int remainingRecords;
    private long baseOffset;
    private long baseTimestamp;
    private long logAppendTime;
    private boolean isLogAppendTime;

    private int recordEnd;
    private int attributes;
    private long timestampDelta;
    private int offsetDelta;
    private int keyIndex;
    private int keyLength;
    private int valueIndex;
    private int valueLength;
    private int headerCount;
    private int headersIndex;
    private int headersRead;

    private int headerKeyIndex;
    private int headerKeyLength;
    private int headerValueIndex;
    private int headerValueLength;

    /**
     * Points the cursor at the records of {@code batch}, whose whole batch must be readable in its
     * buffer (call {@link RecordBatchView#validate} first to check the CRC). A compressed batch is
     * decompressed into a buffer from {@code alloc} of at most {@code maxRecordsBytes}.
     *
     * @throws DecompressionLimitException when the records decompress to more than the limit
     * @throws DecodeException when the batch or its compressed data is malformed
     */
    public RecordCursor open(RecordBatchView batch, ByteBufAllocator alloc, int maxRecordsBytes) {
        close();
        ByteBuf src = batch.buffer();
        int start = batch.start();
        int length = batch.batchLength();
        if (length < RecordBatchView.HEADER_SIZE - RecordBatchView.LOG_OVERHEAD
                || (long) start + RecordBatchView.LOG_OVERHEAD + length > src.writerIndex()) {
            throw new DecodeException("Record batch length " + length + " does not fit the buffer");
        }
        int count = batch.recordCount();
        if (count < 0) {
            throw new DecodeException("Record batch has a negative record count " + count);
        }
        CompressionType compression = CompressionType.forId(batch.compressionId());
        int recordsStart = start + RecordBatchView.HEADER_SIZE;
        int recordsEnd = start + batch.sizeInBytes();
        if (compression == CompressionType.NONE) {
            buf = src;
            pos.index = recordsStart;
            end = recordsEnd;
        } else {
            owned = compression.decompress(src.slice(recordsStart, recordsEnd - recordsStart), alloc,
                    maxRecordsBytes);
            buf = owned;
            pos.index = owned.readerIndex();
            end = owned.writerIndex();
        }
        remainingRecords = count;
        baseOffset = batch.baseOffset();
        baseTimestamp = batch.baseTimestamp();
        isLogAppendTime = batch.isLogAppendTime();
        logAppendTime = batch.maxTimestamp();
        return this;
    }

    /**
     * Parses the next record. Returns false after the last one (the batch's record count), having
     * checked that no bytes remain.
     */
    public boolean next() {
        if (buf == null) {
            return false;
        }
        if (remainingRecords == 0) {
            if (pos.index != end) {
                throw new DecodeException("Record batch holds " + (end - pos.index)
                        + " bytes after its declared record count");
            }
            return false;
        }
        int length = Varints.readVarint(buf, pos, end);
        if (length < 0 || length > end - pos.index) {
            throw new DecodeException("Record length " + length + " exceeds the " + (end - pos.index)
                    + " bytes that remain in the batch");
        }
        int recordStart = pos.index;
        recordEnd = recordStart + length;
        if (length < 1) {
            throw new DecodeException("Record length 0 cannot hold the attributes");
        }
        attributes = buf.getByte(pos.index++);
        timestampDelta = Varints.readVarlong(buf, pos, recordEnd);
        offsetDelta = Varints.readVarint(buf, pos, recordEnd);
        keyLength = readLength(recordEnd, "key");
        keyIndex = pos.index;
        pos.index += Math.max(keyLength, 0);
        valueLength = readLength(recordEnd, "value");
        valueIndex = pos.index;
        pos.index += Math.max(valueLength, 0);
        headerCount = Varints.readVarint(buf, pos, recordEnd);
        if (headerCount < 0) {
            throw new DecodeException("Record has a negative header count " + headerCount);
        }
        headersIndex = pos.index;
        headerPos.index = pos.index;
        for (int i = 0; i < headerCount; i++) {
            readHeader(headerPos);
        }
        if (headerPos.index != recordEnd) {
            throw new DecodeException("Record declared " + length + " bytes but its fields hold "
                    + (headerPos.index - recordStart));
        }
        pos.index = recordEnd;
        headerPos.index = headersIndex;
        headersRead = 0;
        remainingRecords--;
        return true;
    }

    private int readLength(int limit, String what) {
        int n = Varints.readVarint(buf, pos, limit);
        if (n < -1 || n > limit - pos.index) {
            throw new DecodeException("Record " + what + " length " + n + " does not fit the "
                    + (limit - pos.index) + " bytes left in the record");
        }
        return n;
    }

    private void readHeader(Varints.Position p) {
        int klen = Varints.readVarint(buf, p, recordEnd);
        if (klen < 0 || klen > recordEnd - p.index) {
            throw new DecodeException("Record header key length " + klen + " does not fit the record");
        }
        headerKeyIndex = p.index;
        headerKeyLength = klen;
        p.index += klen;
        int vlen = Varints.readVarint(buf, p, recordEnd);
        if (vlen < -1 || vlen > recordEnd - p.index) {
            throw new DecodeException("Record header value length " + vlen + " does not fit the record");
        }
        headerValueIndex = p.index;
        headerValueLength = vlen;
        p.index += Math.max(vlen, 0);
    }

    /** Advances to the current record's next header; false after its last header. */
    public boolean nextHeader() {
        if (headersRead >= headerCount) {
            return false;
        }
        readHeader(headerPos);
        headersRead++;
        return true;
    }

    /** The buffer that holds keys, values and headers: the batch's, or the decompressed records. */
    public ByteBuf buffer() {
        return buf;
    }

    public int attributes() {
        return attributes;
    }

    public int offsetDelta() {
        return offsetDelta;
    }

    public long offset() {
        return baseOffset + offsetDelta;
    }

    public long timestampDelta() {
        return timestampDelta;
    }

    /** The record's timestamp: the batch's max timestamp for LogAppendTime, else base + delta. */
    public long timestamp() {
        return isLogAppendTime ? logAppendTime : baseTimestamp + timestampDelta;
    }

    public int keyIndex() {
        return keyIndex;
    }

    /** The key's length, or -1 for a null key. */
    public int keyLength() {
        return keyLength;
    }

    public int valueIndex() {
        return valueIndex;
    }

    /** The value's length, or -1 for a null value (a tombstone). */
    public int valueLength() {
        return valueLength;
    }

    /** The key as a slice of {@link #buffer()} (not retained), or null. */
    public ByteBuf keySlice() {
        return keyLength < 0 ? null : buf.slice(keyIndex, keyLength);
    }

    /** The value as a slice of {@link #buffer()} (not retained), or null. */
    public ByteBuf valueSlice() {
        return valueLength < 0 ? null : buf.slice(valueIndex, valueLength);
    }

    public int headerCount() {
        return headerCount;
    }

    /** Where the current record's encoded headers start in {@link #buffer()} (after the header count). */
    public int headersIndex() {
        return headersIndex;
    }

    /** The length of the current record's encoded headers (0 without headers). */
    public int headersLength() {
        return recordEnd - headersIndex;
    }

    public int headerKeyIndex() {
        return headerKeyIndex;
    }

    public int headerKeyLength() {
        return headerKeyLength;
    }

    public int headerValueIndex() {
        return headerValueIndex;
    }

    /** The current header's value length, or -1 for a null value. */
    public int headerValueLength() {
        return headerValueLength;
    }

    /** Releases the decompressed buffer, if any; the cursor can be opened again. */
    @Override
    public void close() {
        if (owned != null) {
            owned.release();
            owned = null;
        }
        buf = null;
        remainingRecords = 0;
        headerCount = 0;
        headersRead = 0;
    }
}
