package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.log.segment.RecordTimestamps;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;

import java.util.ArrayList;
import java.util.List;

/**
 * The compacted topic's rule for producers: every record needs a key, since the cleaner keeps the latest record of
 * each key and has nothing to keep a keyless one by. Walks the records of a client's batches (decompressing them),
 * the one place the produce path decodes records, and only for topics with {@code cleanup.policy=compact}.
 *
 * <p>Stateless; called on the partition's writer thread, after the batches' structure and CRC were checked.
 */
final class KeyCheck {
    /** How many record errors a response names at most; the count in the message covers all of them. */
    private static final int MAX_REPORTED = 100;

    private KeyCheck() {
    }

    /**
     * Throws {@link InvalidRecordException} naming every record without a key in [start, end) of {@code buf};
     * {@code CORRUPT_MESSAGE} when the records cannot be walked.
     */
    static void requireKeys(ByteBuf buf, int start, int end, RecordBatchView view, String name) {
        List<RecordError> errors = null;
        int rejected = 0;
        try (RecordCursor cursor = new RecordCursor()) {
            for (int pos = start; pos < end; pos += view.sizeInBytes()) {
                view.wrap(buf, pos);
                cursor.open(view, UnpooledByteBufAllocator.DEFAULT, RecordTimestamps.MAX_DECOMPRESSED_BYTES);
                int index = 0;
                while (cursor.next()) {
                    if (cursor.keyLength() < 0) {
                        if (errors == null) {
                            errors = new ArrayList<>();
                        }
                        if (errors.size() < MAX_REPORTED) {
                            errors.add(new RecordError(index, "Compacted topic partition " + name
                                    + " cannot accept a record without a key"));
                        }
                        rejected++;
                    }
                    index++;
                }
            }
        } catch (DecodeException e) {
            throw new SamsaException(ErrorCode.CORRUPT_MESSAGE, "Cannot read the records of a batch for " + name
                    + ": " + e.getMessage());
        }
        if (errors != null) {
            throw new InvalidRecordException(rejected + " record(s) without a key rejected by compacted topic partition "
                    + name + " (first at index " + errors.get(0).batchIndex() + " of its batch)", errors);
        }
    }
}
