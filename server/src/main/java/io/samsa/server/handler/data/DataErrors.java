package io.samsa.server.handler.data;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a failure of one partition's work to the error code and message the client gets: a
 * {@link SamsaException} keeps its code and message; anything else is UNKNOWN_SERVER_ERROR with the default
 * message, logged at ERROR with its stack trace (our exception text never reaches the client). Stateless.
 */
final class DataErrors {
    private static final Logger log = LoggerFactory.getLogger(DataErrors.class);

    private DataErrors() {
    }

    static ErrorCode code(Throwable t, String context) {
        Throwable c = unwrap(t);
        if (c instanceof SamsaException se) {
            return se.errorCode();
        }
        log.error("{}Unexpected error", context, c);
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    /** The client-facing message for {@code t} (call after {@link #code}). */
    static String message(Throwable t) {
        Throwable c = unwrap(t);
        return c instanceof SamsaException ? c.getMessage() : ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
