package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.samsa.wire.DecodeException;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyError;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * snappy-java's stream framing, which the official client writes for {@code compression.type=snappy}
 * (it wraps the records in {@code SnappyOutputStream}):
 *
 * <pre>
 *  header   8  magic: 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *           4  version (1), big-endian
 *           4  minimum compatible version (1), big-endian
 *  block*   4  compressed length n, big-endian
 *           n  one raw snappy block (its own varint preamble holds the uncompressed length)
 * </pre>
 *
 * A header may appear again between blocks (concatenated streams); it is skipped. Written blocks hold
 * at most 32 KiB of input, as {@code SnappyOutputStream} does. Reading never trusts a length: a
 * block's compressed length must fit in the input, and its declared uncompressed length must fit
 * in the caller's limit before anything is allocated for it. The block API is used rather than
 * {@code SnappyInputStream}, which sizes its buffers from the input's lengths.
 *
 * <p>Stateless; any thread.
 */
final class SnappyStreamCodec {
    static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    static final int HEADER_SIZE = 16;
    static final int BLOCK_SIZE = 32 * 1024;

    private SnappyStreamCodec() {
    }

    static void compress(ByteBuf src, ByteBuf dst) {
        byte[] in = src.hasArray() ? src.array() : ByteBufUtil.getBytes(src);
        int inOff = src.hasArray() ? src.arrayOffset() + src.readerIndex() : 0;
        dst.writeBytes(MAGIC).writeInt(1).writeInt(1);
        byte[] block = new byte[Snappy.maxCompressedLength(BLOCK_SIZE)];
        try {
            for (int pos = 0; pos < src.readableBytes(); pos += BLOCK_SIZE) {
                int len = Math.min(BLOCK_SIZE, src.readableBytes() - pos);
                int n = Snappy.compress(in, inOff + pos, len, block, 0);
                dst.writeInt(n).writeBytes(block, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteBuf decompress(ByteBuf src, ByteBufAllocator alloc, int maxBytes) {
        int length = src.readableBytes();
        byte[] in = src.hasArray() ? src.array() : ByteBufUtil.getBytes(src);
        int base = src.hasArray() ? src.arrayOffset() + src.readerIndex() : 0;
        if (!hasMagic(in, base, length)) {
            throw new DecodeException("Snappy data in record batch does not start with the snappy-java stream header");
        }
        ByteBuf out = alloc.heapBuffer(StreamCodecs.initialCapacity(src, maxBytes), Math.max(maxBytes, 1));
        try {
            int pos = 0;
            while (pos < length) {
                if (length - pos >= HEADER_SIZE && hasMagic(in, base + pos, length - pos)) {
                    pos += HEADER_SIZE;
                    continue;
                }
                if (length - pos < 4) {
                    throw new DecodeException("Snappy block length is truncated at byte " + pos + " of " + length);
                }
                int n = ((in[base + pos] & 0xFF) << 24) | ((in[base + pos + 1] & 0xFF) << 16)
                        | ((in[base + pos + 2] & 0xFF) << 8) | (in[base + pos + 3] & 0xFF);
                pos += 4;
                if (n < 0 || n > length - pos) {
                    throw new DecodeException("Snappy block length " + n + " exceeds the " + (length - pos)
                            + " bytes that remain");
                }
                int size = Snappy.uncompressedLength(in, base + pos, n);
                if (size < 0 || size > maxBytes - out.writerIndex()) {
                    throw new DecompressionLimitException(CompressionType.SNAPPY, maxBytes);
                }
                out.ensureWritable(size);
                int written = Snappy.uncompress(in, base + pos, n, out.array(), out.arrayOffset() + out.writerIndex());
                if (written != size) {
                    throw new DecodeException("Snappy block declared " + size + " bytes but held " + written);
                }
                out.writerIndex(out.writerIndex() + written);
                pos += n;
            }
            return out;
        } catch (IOException | RuntimeException | SnappyError e) {
            out.release();
            if (e instanceof DecodeException decode) {
                throw decode;
            }
            throw new DecodeException("Corrupt snappy data in record batch: " + e.getMessage(), e);
        }
    }

    private static boolean hasMagic(byte[] in, int off, int length) {
        if (length < HEADER_SIZE) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (in[off + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
