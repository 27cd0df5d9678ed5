package io.samsa.log.cleaner;

import java.io.IOException;

/** A segment the cleaner cannot read as valid batches: the log is left alone until the broker restarts. */
final class CorruptSegmentException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptSegmentException(String message) {
        super(message);
    }
}
