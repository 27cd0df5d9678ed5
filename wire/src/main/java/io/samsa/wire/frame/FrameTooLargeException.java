package io.samsa.wire.frame;

import io.samsa.wire.DecodeException;

/**
 * A frame whose 4-byte size prefix is negative or above the configured maximum
 * ({@code socket.request.max.bytes}). Thrown before any buffer of that size exists; the connection is
 * closed, as Kafka closes it.
 */
public final class FrameTooLargeException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final long size;
    private final int maxSize;

    /** @param size the prefix as an unsigned 32-bit value (a negative int is read as above 2 GiB) */
    public FrameTooLargeException(long size, int maxSize) {
        super("Frame of " + size + " bytes is larger than the maximum of " + maxSize + " bytes");
        this.size = size;
        this.maxSize = maxSize;
    }

    /** The declared size, as an unsigned 32-bit value. */
    public long size() {
        return size;
    }

    public int maxSize() {
        return maxSize;
    }
}
