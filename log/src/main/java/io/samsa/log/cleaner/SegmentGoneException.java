package io.samsa.log.cleaner;

import java.io.IOException;

/** A segment the cleaner was reading was deleted (retention, truncation): the pass ends and is retried later. */
final class SegmentGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    SegmentGoneException(String message) {
        super(message);
    }
}
