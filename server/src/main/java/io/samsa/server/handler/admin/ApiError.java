package io.samsa.server.handler.admin;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An error code and the message a client sees. {@link #of} is the one mapping from a failure of a
 * controller call to what goes on the wire: a {@link SamsaException} keeps its code and message;
 * anything else is {@code UNKNOWN_SERVER_ERROR}, logged at ERROR with its stack trace, and the client
 * gets only the code's default message. Immutable; any thread.
 */
public record ApiError(ErrorCode code, String message) {
    private static final Logger log = LoggerFactory.getLogger(ApiError.class);

    public static final ApiError NONE = new ApiError(ErrorCode.NONE, null);

    public static ApiError of(ErrorCode code, String message) {
        return new ApiError(code, message);
    }

    /** Maps a failure; {@code prefix} names the request for the log line of an unexpected one. */
    public static ApiError of(Throwable failure, String prefix) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SamsaException se) {
            return new ApiError(se.errorCode(), se.getMessage());
        }
        log.error("{}Unexpected error", prefix, t);
        return new ApiError(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage());
    }

    public short codeValue() {
        return code.code();
    }

    public boolean isError() {
        return code != ErrorCode.NONE;
    }
}
