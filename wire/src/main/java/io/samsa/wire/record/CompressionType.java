package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.DecodeException;

/**
 * The compression codecs of a v2 record batch (attribute bits 0-2) and their implementations. A
 * compressed batch compresses the records section only (everything after the 61-byte header) as
 * one stream, in the framing the official client writes:
 *
 * <ul>
 *   <li>{@code GZIP}: an RFC 1952 gzip stream (java.util.zip).</li>
 *   <li>{@code SNAPPY}: snappy-java's stream framing (the client uses {@code SnappyOutputStream}), not
 *       the framing format of the snappy project: a 16-byte header, then blocks of a big-endian int32
 *       length and a raw snappy block.</li>
 *   <li>{@code LZ4}: the LZ4 frame format (magic 0x184D2204) with a correct header checksum, as Kafka
 *       writes it for magic 1 and 2 (KIP-57).</li>
 *   <li>{@code ZSTD}: a zstd frame (KIP-110), through zstd-jni.</li>
 * </ul>
 *
 * <p>Decompression is bounded: {@link #decompress} fails with {@link DecompressionLimitException}
 * rather than producing more than the caller's limit, and with {@link DecodeException} for corrupt
 * input; no other exception escapes and no buffer is sized from a length the input declares beyond
 * a codec's own block bound (4 MiB for LZ4).
 *
 * <p>Stateless; any thread.
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    private static final CompressionType[] BY_ID = values();

    private final int id;
    private final String configName;

    CompressionType(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    /** The id in the batch attributes (0-4). */
    public int id() {
        return id;
    }

    /** The name in {@code compression.type} configs: none, gzip, snappy, lz4, zstd. */
    public String configName() {
        return configName;
    }

    /** The codec for attribute bits 0-2; ids 5-7 are not defined and throw {@link DecodeException}. */
    public static CompressionType forId(int id) {
        if (id < 0 || id >= BY_ID.length) {
            throw new DecodeException("Unknown compression type id " + id + " in record batch attributes");
        }
        return BY_ID[id];
    }

    /** The codec named {@code name} in a config; throws IllegalArgumentException for another name. */
    public static CompressionType forName(String name) {
        for (CompressionType type : BY_ID) {
            if (type.configName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown compression type " + name);
    }

    /**
     * Compresses the readable bytes of {@code src} and appends the compressed stream to {@code dst}.
     * Borrows both buffers: {@code src}'s reader index is not moved; {@code dst}'s writer index
     * advances.
     */
    public void compress(ByteBuf src, ByteBuf dst) {
        switch (this) {
            case NONE -> dst.writeBytes(src, src.readerIndex(), src.readableBytes());
            case GZIP -> StreamCodecs.gzipCompress(src, dst);
            case SNAPPY -> SnappyStreamCodec.compress(src, dst);
            case LZ4 -> Lz4FrameCodec.compress(src, dst);
            case ZSTD -> StreamCodecs.zstdCompress(src, dst);
            default -> throw new IllegalStateException(name());
        }
    }

    /**
     * Decompresses the readable bytes of {@code src} into a new buffer from {@code alloc}, which the
     * caller owns and must release. Borrows {@code src} and does not move its reader index.
     *
     * @param maxBytes the most decompressed bytes accepted; more fails with
     *                 {@link DecompressionLimitException} (a decompression bomb)
     * @throws DecodeException when the input is not a valid stream of this codec
     */
    public ByteBuf decompress(ByteBuf src, ByteBufAllocator alloc, int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " is negative");
        }
        if (this != NONE && !src.isReadable()) {
            throw new DecodeException("Empty " + configName + " data in record batch");
        }
        return switch (this) {
            case NONE -> {
                if (src.readableBytes() > maxBytes) {
                    throw new DecompressionLimitException(this, maxBytes);
                }
                ByteBuf copy = alloc.buffer(src.readableBytes());
                yield copy.writeBytes(src, src.readerIndex(), src.readableBytes());
            }
            case GZIP -> StreamCodecs.gzipDecompress(src, alloc, maxBytes);
            case SNAPPY -> SnappyStreamCodec.decompress(src, alloc, maxBytes);
            case LZ4 -> Lz4FrameCodec.decompress(src, alloc, maxBytes);
            case ZSTD -> StreamCodecs.zstdDecompress(src, alloc, maxBytes);
        };
    }
}
