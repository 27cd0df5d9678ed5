package io.samsa.wire.record;

import io.samsa.wire.DecodeException;

/**
 * A compressed record batch whose records decompress to more bytes than the caller allowed: a
 * decompression bomb, or a batch larger than the limit. Decompression stops at the limit, so the
 * memory it took is bounded by the limit.
 */
public final class DecompressionLimitException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final int limit;

    public DecompressionLimitException(CompressionType type, int limit) {
        super("Records compressed with " + type.configName() + " decompress to more than the limit of "
                + limit + " bytes");
        this.limit = limit;
    }

    /** The limit, in decompressed bytes, that the batch exceeded. */
    public int limit() {
        return limit;
    }
}
