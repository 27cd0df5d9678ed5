package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.samsa.wire.DecodeException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The LZ4 frame format (lz4's frame spec v1.6) as Kafka writes it for magic 1 and 2 (KIP-57: a
 * correct header checksum). Written frames match the official client's: independent 64 KiB blocks,
 * no block or content checksum, no content size. Little-endian throughout:
 *
 * <pre>
 *  4   magic 0x184D2204
 *  1   FLG: version (bits 7-6 = 01), block independence (5), block checksum (4),
 *           content size (3), content checksum (2), reserved (1), dict id (0)
 *  1   BD:  block max size id (bits 6-4: 4 = 64 KiB .. 7 = 4 MiB)
 *  0/8 content size;  0/4 dict id
 *  1   header checksum: (xxhash32(FLG..end of descriptor, seed 0) >> 8) &amp; 0xFF
 *  block*: 4 size (high bit set = stored uncompressed), data, 0/4 block checksum
 *  4   end mark 0;  0/4 content checksum
 * </pre>
 *
 * Reading checks every length against the input and the block bound, and decompresses each block
 * into at most the room the caller's limit leaves; frames with a dictionary id are refused (Kafka
 * never writes one). The content checksum, when present, is skipped, as Kafka does.
 *
 * <p>Stateless; any thread (the lz4-java instances are thread-safe).
 */
final class Lz4FrameCodec {
    static final int MAGIC = 0x184D2204;
    private static final int FLG_VERSION = 0x40;
    private static final int FLG_BLOCK_INDEPENDENT = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_DICT_ID = 0x01;
    private static final int BD_64KB = 4 << 4;
    private static final int BLOCK_SIZE = 64 * 1024;
    private static final int INCOMPRESSIBLE = 0x80000000;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    /** lz4's high-compression compressors by level (1-17), for the levels other than the default. */
    private static final LZ4Compressor[] HIGH = new LZ4Compressor[18];
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();

    private Lz4FrameCodec() {
    }

    /**
     * Writes one frame of {@code src}: at {@link CompressionType#defaultLevel} (9) with lz4's fast compressor, as
     * the official client does, else with lz4's high-compression one at {@code level} (1-17).
     */
    static void compress(ByteBuf src, ByteBuf dst, int level) {
        LZ4Compressor compressor = level == CompressionType.LZ4.defaultLevel() ? COMPRESSOR : high(level);
        byte[] in = src.hasArray() ? src.array() : ByteBufUtil.getBytes(src);
        int inOff = src.hasArray() ? src.arrayOffset() + src.readerIndex() : 0;
        byte[] descriptor = {(byte) (FLG_VERSION | FLG_BLOCK_INDEPENDENT), (byte) BD_64KB};
        dst.writeIntLE(MAGIC).writeBytes(descriptor);
        dst.writeByte((XXHASH.hash(descriptor, 0, descriptor.length, 0) >> 8) & 0xFF);
        byte[] block = new byte[compressor.maxCompressedLength(BLOCK_SIZE)];
        int total = src.readableBytes();
        for (int pos = 0; pos < total; pos += BLOCK_SIZE) {
            int len = Math.min(BLOCK_SIZE, total - pos);
            int n = compressor.compress(in, inOff + pos, len, block, 0, block.length);
            if (n >= len) {
                dst.writeIntLE(len | INCOMPRESSIBLE).writeBytes(in, inOff + pos, len);
            } else {
                dst.writeIntLE(n).writeBytes(block, 0, n);
            }
        }
        dst.writeIntLE(0);
    }

    private static LZ4Compressor high(int level) {
        LZ4Compressor c = HIGH[level];
        if (c == null) {
            // A benign race: two threads may each build one; either is a valid, stateless compressor.
            c = LZ4Factory.fastestInstance().highCompressor(level);
            HIGH[level] = c;
        }
        return c;
    }

    static ByteBuf decompress(ByteBuf src, ByteBufAllocator alloc, int maxBytes) {
        int length = src.readableBytes();
        byte[] in = src.hasArray() ? src.array() : ByteBufUtil.getBytes(src);
        int base = src.hasArray() ? src.arrayOffset() + src.readerIndex() : 0;
        if (length < 7 || intLE(in, base) != MAGIC) {
            throw new DecodeException("LZ4 data in record batch does not start with the frame magic");
        }
        int flg = in[base + 4] & 0xFF;
        int bd = in[base + 5] & 0xFF;
        if ((flg & 0xC0) != FLG_VERSION || (flg & 0x02) != 0 || (bd & 0x8F) != 0) {
            throw new DecodeException("Unsupported LZ4 frame descriptor FLG=" + flg + " BD=" + bd);
        }
        if ((flg & FLG_DICT_ID) != 0) {
            throw new DecodeException("LZ4 frames with a dictionary id are not supported");
        }
        int blockSizeId = (bd >> 4) & 0x07;
        if (blockSizeId < 4) {
            throw new DecodeException("Invalid LZ4 block max size id " + blockSizeId);
        }
        int maxBlock = 1 << (2 * blockSizeId + 8);
        int descriptorEnd = 6 + ((flg & FLG_CONTENT_SIZE) != 0 ? 8 : 0);
        if (length < descriptorEnd + 1) {
            throw new DecodeException("LZ4 frame header is truncated");
        }
        int expected = (XXHASH.hash(in, base + 4, descriptorEnd - 4, 0) >> 8) & 0xFF;
        if ((in[base + descriptorEnd] & 0xFF) != expected) {
            throw new DecodeException("LZ4 frame header checksum mismatch");
        }
        boolean blockChecksum = (flg & FLG_BLOCK_CHECKSUM) != 0;
        ByteBuf out = alloc.heapBuffer(StreamCodecs.initialCapacity(src, maxBytes), Math.max(maxBytes, 1));
        try {
            int pos = descriptorEnd + 1;
            while (true) {
                if (length - pos < 4) {
                    throw new DecodeException("LZ4 frame is truncated: no end mark");
                }
                int word = intLE(in, base + pos);
                pos += 4;
                if (word == 0) {
                    return out;
                }
                int n = word & ~INCOMPRESSIBLE;
                int trailer = blockChecksum ? 4 : 0;
                if (n > maxBlock || n > length - pos - trailer) {
                    throw new DecodeException("LZ4 block size " + n + " exceeds the block bound " + maxBlock
                            + " or the " + (length - pos) + " bytes that remain");
                }
                if (blockChecksum && XXHASH.hash(in, base + pos, n, 0) != intLE(in, base + pos + n)) {
                    throw new DecodeException("LZ4 block checksum mismatch");
                }
                if ((word & INCOMPRESSIBLE) != 0) {
                    if (n > maxBytes - out.writerIndex()) {
                        throw new DecompressionLimitException(CompressionType.LZ4, maxBytes);
                    }
                    out.writeBytes(in, base + pos, n);
                } else {
                    decompressBlock(in, base + pos, n, out, maxBlock, maxBytes);
                }
                pos += n + trailer;
            }
        } catch (RuntimeException e) {
            out.release();
            throw StreamCodecs.corrupt(CompressionType.LZ4, e);
        }
    }

    private static void decompressBlock(byte[] in, int off, int n, ByteBuf out, int maxBlock, int maxBytes) {
        int room = Math.min(maxBlock, maxBytes - out.writerIndex());
        out.ensureWritable(room);
        try {
            int written = DECOMPRESSOR.decompress(in, off, n, out.array(), out.arrayOffset() + out.writerIndex(), room);
            out.writerIndex(out.writerIndex() + written);
        } catch (LZ4Exception e) {
            if (room < maxBlock && fitsBlock(in, off, n, maxBlock)) {
                throw new DecompressionLimitException(CompressionType.LZ4, maxBytes);
            }
            throw new DecodeException("Corrupt lz4 block in record batch: " + e.getMessage(), e);
        }
    }

    /** Whether the block is valid with the frame's full block bound: it failed only for the limit. */
    private static boolean fitsBlock(byte[] in, int off, int n, int maxBlock) {
        try {
            DECOMPRESSOR.decompress(in, off, n, new byte[maxBlock], 0, maxBlock);
            return true;
        } catch (LZ4Exception e) {
            return false;
        }
    }

    private static int intLE(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }
}
