package io.samsa.log.segment;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.log.TimestampOffset;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact record-level answers to ListOffsets inside one batch: the first record whose timestamp is at or above
 * a target, and the first record carrying the batch's max timestamp. Records are walked with a
 * {@link RecordCursor}; a compressed batch is decompressed first, into a heap buffer of at most
 * {@link #MAX_DECOMPRESSED_BYTES} (only the one candidate batch, never a scan). A batch that cannot be walked
 * (over the bound, malformed records) falls back to batch granularity: its base offset and max timestamp.
 * A LogAppendTime batch needs no walk: every record carries the batch's max timestamp.
 *
 * <p>Stateless and thread-safe; each call uses its own cursor (ListOffsets is not a hot path).
 */
public final class RecordTimestamps {
    private static final Logger log = LoggerFactory.getLogger(RecordTimestamps.class);

    /** The most bytes one candidate batch may decompress to before the lookup falls back to the batch. */
    public static final int MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

    private RecordTimestamps() {
    }

    /**
     * The first record at or above {@code minOffset} whose timestamp is at or above {@code target}, or null
     * when this batch has none.
     */
    public static TimestampOffset firstAtOrAfter(RecordBatchView batch, long target, long minOffset) {
        if (batch.maxTimestamp() < target || batch.lastOffset() < minOffset) {
            return null;
        }
        int epoch = batch.partitionLeaderEpoch();
        if (batch.isLogAppendTime()) {
            return new TimestampOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), minOffset), epoch);
        }
        try (RecordCursor c = new RecordCursor()) {
            c.open(batch, UnpooledByteBufAllocator.DEFAULT, MAX_DECOMPRESSED_BYTES);
            while (c.next()) {
                if (c.offset() >= minOffset && c.timestamp() >= target) {
                    return new TimestampOffset(c.timestamp(), c.offset(), epoch);
                }
            }
            return null;
        } catch (DecodeException e) {
            log.warn("Cannot walk the records of the batch at offset {}; answering with the batch: {}",
                    batch.baseOffset(), e.getMessage());
            return new TimestampOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), minOffset), epoch);
        }
    }

    /** The first record carrying the batch's max timestamp (the base offset when it cannot be walked). */
    public static TimestampOffset firstWithMaxTimestamp(RecordBatchView batch) {
        long max = batch.maxTimestamp();
        int epoch = batch.partitionLeaderEpoch();
        if (!batch.isLogAppendTime()) {
            try (RecordCursor c = new RecordCursor()) {
                c.open(batch, UnpooledByteBufAllocator.DEFAULT, MAX_DECOMPRESSED_BYTES);
                while (c.next()) {
                    if (c.timestamp() == max) {
                        return new TimestampOffset(max, c.offset(), epoch);
                    }
                }
            } catch (DecodeException e) {
                log.warn("Cannot walk the records of the batch at offset {}; answering with the batch: {}",
                        batch.baseOffset(), e.getMessage());
            }
        }
        return new TimestampOffset(max, batch.baseOffset(), epoch);
    }
}
