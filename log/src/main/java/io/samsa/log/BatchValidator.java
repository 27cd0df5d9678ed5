package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;

/**
 * Checks the batches of a client's produce request before anything is written, with Kafka's error codes:
 * structure and CRC32C ({@code CORRUPT_MESSAGE}), batch size against {@code max.message.bytes}
 * ({@code MESSAGE_TOO_LARGE}), record count against the offset range and control batches from clients
 * ({@code INVALID_RECORD}), CreateTime timestamps against {@code message.timestamp.before/after.max.ms}
 * ({@code INVALID_TIMESTAMP}, checked on the batch's base and max timestamps, not every record), and the whole
 * request against {@code segment.bytes} ({@code RECORD_LIST_TOO_LARGE}); on a compacted topic, a key on every record
 * ({@code INVALID_RECORD} with one record error per keyless record: {@link InvalidRecordException}).
 *
 * <p>Stateless; called on the partition's writer thread with that thread's view.
 */
final class BatchValidator {
    private BatchValidator() {
    }

    /** Validates every batch in [start, end) of {@code buf}; returns the number of batches. */
    static int validate(ByteBuf buf, int start, int end, RecordBatchView view, LogConfig cfg, long nowMs,
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
            if (fromClient && !cfg.logAppendTime()) {
                checkTimestamp(view.baseTimestamp(), cfg, nowMs, name);
                checkTimestamp(view.maxTimestamp(), cfg, nowMs, name);
            }
            pos += size;
            batches++;
        }
        if (fromClient && cfg.compact()) {
            KeyCheck.requireKeys(buf, start, end, view, name);
        }
        return batches;
    }

    private static void checkTimestamp(long ts, LogConfig cfg, long nowMs, String name) {
        if (ts == RecordBatchView.NO_TIMESTAMP) {
            return;
        }
        if (ts < nowMs && nowMs - ts > cfg.timestampBeforeMaxMs()
                || ts > nowMs && ts - nowMs > cfg.timestampAfterMaxMs()) {
            throw new SamsaException(ErrorCode.INVALID_TIMESTAMP, "Timestamp " + ts + " for " + name
                    + " is out of range (now " + nowMs + ", message.timestamp.before.max.ms "
                    + cfg.timestampBeforeMaxMs() + ", message.timestamp.after.max.ms " + cfg.timestampAfterMaxMs()
                    + ")");
        }
    }
}
