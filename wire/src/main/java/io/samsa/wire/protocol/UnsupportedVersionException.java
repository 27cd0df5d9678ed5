package io.samsa.wire.protocol;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

/**
 * Writing a message at a version it does not have, or with a non-default value in a field that the
 * version cannot carry (and the schema does not mark ignorable). Carries
 * {@link ErrorCode#UNSUPPORTED_VERSION}.
 */
public class UnsupportedVersionException extends SamsaException {
    private static final long serialVersionUID = 1L;

    public UnsupportedVersionException(String message) {
        super(ErrorCode.UNSUPPORTED_VERSION, message);
    }
}
