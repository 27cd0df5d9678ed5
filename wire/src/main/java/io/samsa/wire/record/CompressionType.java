package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
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
 * <p>Compression takes a level (KIP-390: {@code compression.gzip.level}, {@code compression.lz4.level},
 * {@code compression.zstd.level}); {@link #defaultLevel} is the official client's default, and the codec ignores
 * the level where it has none (snappy, none).
 *
 * <p>Decompression is bounded: {@link #decompress} fails with {@link DecompressionLimitException}
 * rather than producing more than the caller's limit, and with {@link DecodeException} for corrupt
 * input; no other exception escapes and no buffer is sized from a length the input declares beyond
 * a codec's own block bound (4 MiB for LZ4).
 *
 * <p>Stateless; any thread.
 */
public enum CompressionType {
    NONE(0, "none", 0, 0, 0),
    /** Levels of java.util.zip's Deflater: 1 (best speed) to 9 (best compression); -1 is its default, 6. */
    GZIP(1, "gzip", 1, 9, -1),
    SNAPPY(2, "snappy", 0, 0, 0),
    /** lz4's high-compression levels; the default, 9, uses lz4's fast compressor as the official client does. */
    LZ4(3, "lz4", 1, 17, 9),
    /** zstd's levels, negative ones the fast modes; 3 is zstd's default. */
    ZSTD(4, "zstd", -131072, 22, 3);

    private static final CompressionType[] BY_ID = values();

    private final int id;
    private final String configName;
    private final int minLevel;
    private final int maxLevel;
    private final int defaultLevel;

    CompressionType(int id, String configName, int minLevel, int maxLevel, int defaultLevel) {
        this.id = id;
        this.configName = configName;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
        this.defaultLevel = defaultLevel;
    }

    /** The level used when none is configured (KIP-390's defaults: gzip -1, lz4 9, zstd 3; 0 without levels). */
    public int defaultLevel() {
        return defaultLevel;
    }

    /** Whether {@code level} is one this codec accepts: its range or its default (gzip's -1); any without levels. */
    public boolean isValidLevel(int level) {
        return minLevel == maxLevel || level == defaultLevel || (level >= minLevel && level <= maxLevel);
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
     * Loads the codecs' native libraries (zstd-jni, lz4-java's JNI compressors) by compressing and decompressing a
     * few bytes with each codec, at its default level and another: a library loads on the first use of its classes,
     * reading and extracting a file, which must not happen on an event loop. Call it once at start-up, off the event
     * loops; any thread, idempotent.
     */
    public static void loadNativeCodecs() {
        ByteBuf src = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 1, 2, 3, 1, 2, 3});
        for (CompressionType type : BY_ID) {
            int[] levels = type.minLevel == type.maxLevel ? new int[] {type.defaultLevel}
                    : new int[] {type.defaultLevel, type.minLevel == type.defaultLevel ? type.maxLevel : type.minLevel};
            for (int level : levels) {
                ByteBuf dst = Unpooled.buffer();
                try {
                    type.compress(src, dst, level);
                    type.decompress(dst, UnpooledByteBufAllocator.DEFAULT, src.readableBytes()).release();
                } finally {
                    dst.release();
                }
            }
        }
    }

    /**
     * Compresses the readable bytes of {@code src} at the {@link #defaultLevel} and appends the compressed stream
     * to {@code dst}. Borrows both buffers: {@code src}'s reader index is not moved; {@code dst}'s writer index
     * advances.
     */
    public void compress(ByteBuf src, ByteBuf dst) {
        compress(src, dst, defaultLevel);
    }

    /**
     * Compresses as {@link #compress(ByteBuf, ByteBuf)} does, at {@code level}.
     *
     * @throws IllegalArgumentException when this codec does not accept {@code level} ({@link #isValidLevel})
     */
    public void compress(ByteBuf src, ByteBuf dst, int level) {
        if (!isValidLevel(level)) {
            throw new IllegalArgumentException("Invalid " + configName + " compression level " + level);
        }
        switch (this) {
            case NONE -> dst.writeBytes(src, src.readerIndex(), src.readableBytes());
            case GZIP -> StreamCodecs.gzipCompress(src, dst, level);
            case SNAPPY -> SnappyStreamCodec.compress(src, dst);
            case LZ4 -> Lz4FrameCodec.compress(src, dst, level);
            case ZSTD -> StreamCodecs.zstdCompress(src, dst, level);
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
