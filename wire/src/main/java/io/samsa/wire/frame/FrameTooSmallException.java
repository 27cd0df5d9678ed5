package io.samsa.wire.frame;

import io.samsa.wire.DecodeException;

/**
 * A frame whose size prefix is too small to hold a header (a request header is at least 8 bytes:
 * api key, api version, correlation id). The connection is closed.
 */
public final class FrameTooSmallException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final int size;
    private final int minSize;

    public FrameTooSmallException(int size, int minSize) {
        super("Frame of " + size + " bytes is smaller than the minimum of " + minSize + " bytes");
        this.size = size;
        this.minSize = minSize;
    }

    public int size() {
        return size;
    }

    public int minSize() {
        return minSize;
    }
}
