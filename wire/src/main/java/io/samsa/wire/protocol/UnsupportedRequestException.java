package io.samsa.wire.protocol;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

/**
 * A request whose API key is unknown or whose version is outside the API's range. It carries what
 * the caller needs to answer with {@link ErrorCode#UNSUPPORTED_VERSION} (an ApiVersions request
 * gets a v0 ApiVersions response): the correlation id, the API key and the version.
 */
public class UnsupportedRequestException extends SamsaException {
    private static final long serialVersionUID = 1L;

    private final short apiKey;
    private final short apiVersion;
    private final int correlationId;

    public UnsupportedRequestException(short apiKey, short apiVersion, int correlationId, String message) {
        super(ErrorCode.UNSUPPORTED_VERSION, message);
        this.apiKey = apiKey;
        this.apiVersion = apiVersion;
        this.correlationId = correlationId;
    }

    public short apiKey() {
        return apiKey;
    }

    public short apiVersion() {
        return apiVersion;
    }

    public int correlationId() {
        return correlationId;
    }
}
