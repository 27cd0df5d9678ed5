package io.samsa.wire;

/**
 * Bytes that do not form a valid message, header, frame or record batch. Every decoder in this
 * module throws this type, and only this type, for bad input; the server answers it with the
 * protocol's error code (or closes the connection where Kafka does) and never crashes on it.
 */
public class DecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DecodeException(String message) {
        super(message);
    }

    public DecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
