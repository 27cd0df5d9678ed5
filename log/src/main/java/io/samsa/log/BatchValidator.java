package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;

/**
 * Checks the batch headers of an append before anything is written, with Kafka's error codes: structure and CRC32C
 * ({@code CORRUPT_MESSAGE}), batch size against {@code max.message.bytes} ({@code MESSAGE_TOO_LARGE}), record count
 * against the offset range ({@code INVALID_RECORD}), and the whole request against {@code segment.bytes}
 * ({@code RECORD_LIST_TOO_LARGE}); for a client's batches also no control batch and no negative base sequence from
 * an idempotent producer ({@code INVALID_RECORD}). The records inside a client's batches are {@link RecordValidator}'s.
 *
 * <p>Stateless; called on the partition's writer thread with that thread's view.
 */
final class BatchValidator {
    private BatchValidator() {
    }

    /** Validates every batch in [start, end) of {@code buf}; returns the number of batches. */
    static int validate(ByteBuf buf, int start, int end, RecordBatchView view, LogConfig cfg,
                        String name, boolean fromClient) {
        if ((long) end - start > cfg.segmentBytes()) {
            throw new SamsaException(ErrorCode.RECORD_LIST_TOO_LARGE, "Record set of " + (end - start)
                    + " bytes for " + name + " exceeds segment.bytes " + cfg.segmentBytes());
        }
        int pos = start;
        int batches = 0;
        while (pos < end) {
            int available = end - pos;
            if (available < RecordBatchView.LOG_OVERHEAD) {
                throw new SamsaException(ErrorCode.CORRUPT_MESSAGE, available + " trailing bytes in the records for "
                        + name + " do not form a batch");
            }
            view.wrap(buf, pos);
            try {
                view.validate(available);
            } catch (DecodeException e) {
                throw new SamsaException(ErrorCode.CORRUPT_MESSAGE, "Invalid batch for " + name + ": "
                        + e.getMessage());
            }
            int size = view.sizeInBytes();
            if (size > cfg.maxMessageBytes()) {
                throw new SamsaException(ErrorCode.MESSAGE_TOO_LARGE, "Batch of " + size + " bytes for " + name
                        + " exceeds max.message.bytes " + cfg.maxMessageBytes());
            }
            if (view.compressionId() > 4) {
                throw new SamsaException(ErrorCode.CORRUPT_MESSAGE, "Unknown compression codec "
                        + view.compressionId() + " in a batch for " + name);
            }
            int delta = view.lastOffsetDelta();
            // A client's batch holds one record per offset; a replicated batch may have been compacted (fewer records
            // than offsets, even none: the cleaner keeps an idempotent producer's last batch empty).
            if (delta < 0 || view.recordCount() < 0 || (long) view.recordCount() > (long) delta + 1
                    || fromClient && (view.recordCount() == 0 || view.recordCount() != delta + 1)) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "Batch for " + name + " has " + view.recordCount()
                        + " records but lastOffsetDelta " + delta);
            }
            if (fromClient && view.isControl()) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "Clients may not write control batches to "
                        + name);
            }
            if (fromClient && view.hasProducerId() && view.baseSequence() < 0) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "Invalid sequence number " + view.baseSequence()
                        + " in a batch of producer " + view.producerId() + " for " + name);
            }
            pos += size;
            batches++;
        }
        return batches;
    }
}
