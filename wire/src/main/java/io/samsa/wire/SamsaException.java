package io.samsa.wire;

/**
 * An error that maps to one of Kafka's error codes. Modules throw it (or a subclass) where a
 * request must fail with a specific code; the server turns it into the response's error code and
 * message. The message is sent to the client, so it names the thing and the numbers and never
 * holds payloads or credentials.
 */
public class SamsaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public SamsaException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public SamsaException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }
}
