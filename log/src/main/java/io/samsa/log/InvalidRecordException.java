package io.samsa.log;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.List;

/**
 * An append refused with {@code INVALID_RECORD} because of particular records, each named by a {@link RecordError}
 * (Produce v8+ answers them in {@code record_errors}, KIP-467). Nothing of the append was written.
 */
public final class InvalidRecordException extends SamsaException {
    private static final long serialVersionUID = 1L;

    private final transient List<RecordError> recordErrors;

    public InvalidRecordException(String message, List<RecordError> recordErrors) {
        super(ErrorCode.INVALID_RECORD, message);
        this.recordErrors = List.copyOf(recordErrors);
    }

    /** The rejected records, in batch order. */
    public List<RecordError> recordErrors() {
        return recordErrors;
    }
}
