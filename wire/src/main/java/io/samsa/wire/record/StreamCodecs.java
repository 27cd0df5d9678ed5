package io.samsa.wire.record;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.samsa.wire.DecodeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The codecs that go through {@code java.io} streams: gzip (java.util.zip) and zstd (zstd-jni), each
 * compressing at the level the caller gives ({@link CompressionType#defaultLevel} otherwise). Reading drains the stream into a buffer whose size is
 * checked against the caller's limit before every read, so a bomb stops at the limit.
 *
 * <p>Stateless; any thread.
 */
final class StreamCodecs {
    private static final int CHUNK = 8192;
    private StreamCodecs() {
    }

    /** {@code level} 1-9, or -1 for the Deflater's default. */
    static void gzipCompress(ByteBuf src, ByteBuf dst, int level) {
        try (OutputStream out = new LeveledGzipOutputStream(new ByteBufOutputStream(dst), level)) {
            src.getBytes(src.readerIndex(), out, src.readableBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void zstdCompress(ByteBuf src, ByteBuf dst, int level) {
        try (OutputStream out = new ZstdOutputStreamNoFinalizer(new ByteBufOutputStream(dst), level)) {
            src.getBytes(src.readerIndex(), out, src.readableBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteBuf gzipDecompress(ByteBuf src, ByteBufAllocator alloc, int maxBytes) {
        ByteBuf out = alloc.buffer(initialCapacity(src, maxBytes), Math.max(maxBytes, 1));
        try (InputStream in = new GZIPInputStream(new ByteBufInputStream(src.duplicate()), CHUNK)) {
            drain(in, out, maxBytes, CompressionType.GZIP);
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            throw corrupt(CompressionType.GZIP, e);
        }
    }

    static ByteBuf zstdDecompress(ByteBuf src, ByteBufAllocator alloc, int maxBytes) {
        ByteBuf out = alloc.buffer(initialCapacity(src, maxBytes), Math.max(maxBytes, 1));
        // The pool recycles the stream's 128 KiB input buffer: without it every batch decompressed on the produce
        // path allocated one (131 KB per append in ProduceValidationBenchmark).
        try (InputStream in = new ZstdInputStreamNoFinalizer(new ByteBufInputStream(src.duplicate()),
                RecyclingBufferPool.INSTANCE)) {
            drain(in, out, maxBytes, CompressionType.ZSTD);
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            throw corrupt(CompressionType.ZSTD, e);
        }
    }

    static int initialCapacity(ByteBuf src, int maxBytes) {
        long guess = Math.max(256L, src.readableBytes() * 4L);
        return (int) Math.min(guess, Math.max(maxBytes, 1));
    }

    /** Reads {@code in} to its end into {@code out}, failing once more than {@code maxBytes} arrive. */
    private static void drain(InputStream in, ByteBuf out, int maxBytes, CompressionType type) throws IOException {
        while (true) {
            int room = maxBytes - out.writerIndex();
            if (room == 0) {
                if (in.read() >= 0) {
                    throw new DecompressionLimitException(type, maxBytes);
                }
                return;
            }
            out.ensureWritable(Math.min(CHUNK, room));
            int n = out.writeBytes(in, Math.min(out.writableBytes(), room));
            if (n < 0) {
                return;
            }
        }
    }

    /** Wraps a codec library's failure in the decode error that callers expect. */
    static DecodeException corrupt(CompressionType type, Exception e) {
        if (e instanceof DecodeException decode) {
            return decode;
        }
        return new DecodeException("Corrupt " + type.configName() + " data in record batch: " + e.getMessage(), e);
    }

    /**
     * A gzip stream whose deflater runs at {@code level}: {@link GZIPOutputStream} has no level parameter, but its
     * deflater has written nothing when the constructor returns, so the level applies to the whole stream.
     */
    private static final class LeveledGzipOutputStream extends GZIPOutputStream {
        LeveledGzipOutputStream(OutputStream out, int level) throws IOException {
            super(out, CHUNK);
            def.setLevel(level == -1 ? Deflater.DEFAULT_COMPRESSION : level);
        }
    }
}
