package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.log.segment.RecordTimestamps;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.DecompressionLimitException;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;

import java.util.ArrayList;
import java.util.List;

/**
 * The record-level half of a leader's append validation: walks every record of a client's batches (decompressing
 * a compressed batch within {@link RecordTimestamps#MAX_DECOMPRESSED_BYTES}), after {@link BatchValidator} checked
 * their headers and CRCs, and applies Kafka's log validator rules:
 *
 * <ul>
 *   <li>structure: each record's length, varints, key, value and headers inside its declared length with no
 *       trailing bytes, no null header key, exactly {@code record_count} records, offset deltas 0..n-1 in order:
 *       {@code INVALID_RECORD} for the whole batch at the first violation (the CRC held, so the client built the
 *       batch wrong; a compressed stream that does not decompress is {@code CORRUPT_MESSAGE});</li>
 *   <li>a key on every record of a compacted topic ({@code INVALID_RECORD});</li>
 *   <li>timestamps: a client may not send LogAppendTime batches, and on a CreateTime topic every record's timestamp
 *       (-1 aside) lies within {@code message.timestamp.before.max.ms} and {@code message.timestamp.after.max.ms} of
 *       now (KIP-937): {@code INVALID_TIMESTAMP}.</li>
 * </ul>
 *
 * Key and timestamp failures of a batch are gathered into one {@link RecordValidationException} naming each record
 * (KIP-467), as Kafka gathers them; nothing of the append is written. A valid batch's max timestamp is set to its records' largest, as
 * Kafka does (the CRC is recomputed only when it changes). When the topic's {@code compression.type} differs from a
 * batch's codec (and is not {@code producer}), the same walk copies the records into a batch with the topic's codec.
 *
 * <p>Not thread-safe: one per {@link Log}, used on its writer thread. Owns a reusable cursor; allocates nothing per
 * record, and per batch only the decompressed records (pooled) and, when recompressing, the new batch.
 */
final class RecordValidator {
    /** How many record errors a response names at most; the count in the message covers all of them. */
    static final int MAX_REPORTED = 100;

    private final RecordCursor cursor = new RecordCursor();
    private final RecordBatchView rebuiltView = new RecordBatchView();
    private final ByteBufAllocator alloc;

    private List<RecordError> errors;
    private int rejected;
    private boolean timestampRejected;

    RecordValidator(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Validates the records of every batch in [start, end) of {@code buf} (borrowed; max timestamps are rewritten in
     * place). Returns null when the batches are stored as they are, else a new buffer holding all of them with the
     * topic's codec, which the caller owns.
     *
     * @throws RecordValidationException naming the records a batch was refused for
     * @throws SamsaException            INVALID_RECORD, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE (a recompressed batch
     *                                   over {@code max.message.bytes}) or RECORD_LIST_TOO_LARGE
     */
    ByteBuf validate(ByteBuf buf, int start, int end, RecordBatchView view, LogConfig cfg, long now, String name) {
        CompressionType target = cfg.compression();
        boolean convert = false;
        if (target != null) {
            for (int pos = start; pos < end; pos += view.sizeInBytes()) {
                convert |= view.wrap(buf, pos).compressionId() != target.id();
            }
        }
        ByteBuf converted = convert ? alloc.buffer(end - start) : null;
        try {
            int pos = start;
            while (pos < end) {
                view.wrap(buf, pos);
                int size = view.sizeInBytes();
                if (convert && view.compressionId() != target.id()) {
                    ByteBuf batch = walk(view, cfg, now, name, target);
                    try {
                        if (batch.readableBytes() > cfg.maxMessageBytes()) {
                            throw new SamsaException(ErrorCode.MESSAGE_TOO_LARGE, "Batch of " + batch.readableBytes()
                                    + " bytes for " + name + " once stored as " + target.configName()
                                    + " exceeds max.message.bytes " + cfg.maxMessageBytes());
                        }
                        converted.writeBytes(batch);
                    } finally {
                        batch.release();
                    }
                } else {
                    walk(view, cfg, now, name, null);
                    if (converted != null) {
                        converted.writeBytes(buf, pos, size);
                    }
                }
                pos += size;
            }
            if (converted != null && converted.readableBytes() > cfg.segmentBytes()) {
                throw new SamsaException(ErrorCode.RECORD_LIST_TOO_LARGE, "Record set of " + converted.readableBytes()
                        + " bytes for " + name + " once stored as " + target.configName() + " exceeds segment.bytes "
                        + cfg.segmentBytes());
            }
            ByteBuf out = converted;
            converted = null;
            return out;
        } finally {
            if (converted != null) {
                converted.release();
            }
        }
    }

    /** Checks the records of the batch at {@code view}; with a {@code target} codec, returns them rebuilt with it. */
    private ByteBuf walk(RecordBatchView view, LogConfig cfg, long now, String name, CompressionType target) {
        errors = null;
        rejected = 0;
        timestampRejected = false;
        boolean createTime = !cfg.logAppendTime();
        long lowest = now - cfg.timestampBeforeMaxMs();
        long highest = cfg.timestampAfterMaxMs() > Long.MAX_VALUE - now ? Long.MAX_VALUE
                : now + cfg.timestampAfterMaxMs();
        open(view, name);
        RecordBatchBuilder builder = null;
        try {
            if (target != null) {
                builder = new RecordBatchBuilder(alloc).compression(target, cfg.compressionLevel())
                        .producer(view.producerId(), view.producerEpoch(), view.baseSequence())
                        .transactional(view.isTransactional());
            }
            long maxTimestamp = RecordBatchView.NO_TIMESTAMP;
            int index = 0;
            while (next(view, index, name)) {
                long ts = cursor.timestamp();
                if (cursor.offsetDelta() != index) {
                    throw new SamsaException(ErrorCode.INVALID_RECORD, "Record " + index + " of a batch for " + name
                            + " has offset delta " + cursor.offsetDelta() + " instead of " + index);
                }
                if (cfg.compact() && cursor.keyLength() < 0) {
                    reject(index, "Compacted topic partition " + name + " cannot accept a record without a key", false);
                } else if (view.isLogAppendTime()) {
                    reject(index, "A producer may not set the timestamp type LogAppendTime (record " + index
                            + " of a batch for " + name + ")", true);
                } else if (createTime && ts != RecordBatchView.NO_TIMESTAMP && (ts < lowest || ts > highest)) {
                    reject(index, "Timestamp " + ts + " of record " + index + " of a batch for " + name
                            + " is out of range: it must be within [" + lowest + ", " + highest
                            + "] (message.timestamp.before.max.ms " + cfg.timestampBeforeMaxMs()
                            + ", message.timestamp.after.max.ms " + cfg.timestampAfterMaxMs() + ")", true);
                }
                if (ts > maxTimestamp) {
                    maxTimestamp = ts;
                }
                if (builder != null && errors == null) {
                    builder.appendCopy(index, ts, cursor.buffer(), cursor.keyIndex(), cursor.keyLength(),
                            cursor.valueIndex(), cursor.valueLength(), cursor.headersIndex(), cursor.headersLength(),
                            cursor.headerCount());
                }
                index++;
            }
            if (errors != null) {
                throw refused(name);
            }
            if (builder == null) {
                if (createTime) {
                    view.setMaxTimestamp(false, maxTimestamp);
                }
                return null;
            }
            ByteBuf rebuilt = builder.build();
            if (createTime) {
                // As in place: the records' largest timestamp, never below -1 (the builder takes the first record's
                // timestamp as its floor, which a record before 1970 would undercut; found by the fuzzer).
                rebuiltView.wrap(rebuilt, rebuilt.readerIndex()).setMaxTimestamp(false, maxTimestamp);
            }
            return rebuilt;
        } finally {
            cursor.close();
            if (builder != null) {
                builder.close();
            }
        }
    }

    private void open(RecordBatchView view, String name) {
        try {
            cursor.open(view, alloc, RecordTimestamps.MAX_DECOMPRESSED_BYTES);
        } catch (DecompressionLimitException e) {
            throw new SamsaException(ErrorCode.INVALID_RECORD, "The records of a batch for " + name
                    + " decompress to more than " + RecordTimestamps.MAX_DECOMPRESSED_BYTES + " bytes");
        } catch (DecodeException e) {
            throw new SamsaException(ErrorCode.CORRUPT_MESSAGE, "Cannot decompress a batch for " + name + ": "
                    + e.getMessage());
        }
    }

    /**
     * The cursor's next record. A malformed one fails the whole batch at once with INVALID_RECORD and no record
     * errors, as Kafka's record iterator does (record errors name only keys and timestamps).
     */
    private boolean next(RecordBatchView view, int index, String name) {
        try {
            return cursor.next();
        } catch (DecodeException e) {
            if (index >= view.recordCount()) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "A batch for " + name + " holds bytes after its "
                        + view.recordCount() + " records: " + e.getMessage());
            }
            throw new SamsaException(ErrorCode.INVALID_RECORD, "Record " + index + " of a batch for " + name
                    + " is malformed: " + e.getMessage(), e);
        }
    }

    private void reject(int index, String message, boolean timestamp) {
        if (errors == null) {
            errors = new ArrayList<>();
        }
        if (errors.size() < MAX_REPORTED) {
            errors.add(new RecordError(index, message));
        }
        rejected++;
        timestampRejected |= timestamp;
    }

    private RecordValidationException refused(String name) {
        return new RecordValidationException(timestampRejected ? ErrorCode.INVALID_TIMESTAMP : ErrorCode.INVALID_RECORD,
                rejected + " record(s) of a batch for " + name + " rejected; the first: " + errors.get(0).message(),
                errors);
    }
}
