package io.samsa.log;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.List;

/**
 * An append refused because of particular records, each named by a {@link RecordError} (Produce v8+ answers them in
 * {@code record_errors}, KIP-467): {@code INVALID_TIMESTAMP} when any of them has a timestamp the topic refuses,
 * else {@code INVALID_RECORD}. Nothing of the append was written.
 */
public final class RecordValidationException extends SamsaException {
    private static final long serialVersionUID = 1L;

    private final transient List<RecordError> recordErrors;

    public RecordValidationException(ErrorCode code, String message, List<RecordError> recordErrors) {
        super(code, message);
        this.recordErrors = List.copyOf(recordErrors);
    }

    /** The rejected records, in batch order (at most the first hundred). */
    public List<RecordError> recordErrors() {
        return recordErrors;
    }
}
