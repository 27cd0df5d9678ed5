package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, the decompression limit, and corrupt input for every codec. */
class CompressionTypeTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everythingReleased() {
        alloc.assertAllReleased();
    }

    static byte[] data(int size, long seed) {
        Random random = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt() : 'a' + i % 7);
        }
        return b;
    }

    static ByteBuf compress(CompressionType type, byte[] data, boolean direct) {
        ByteBuf src = direct ? Unpooled.directBuffer(data.length) : Unpooled.buffer(data.length);
        src.writeBytes(data);
        ByteBuf dst = Unpooled.buffer();
        type.compress(src, dst);
        assertEquals(0, src.readerIndex(), "compress borrows src without moving it");
        src.release();
        return dst;
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void roundTripsAtBlockBoundaries(CompressionType type) {
        int[] sizes = {0, 1, 100, 32 * 1024, 32 * 1024 + 1, 64 * 1024, 64 * 1024 + 1, 300_000};
        for (int size : sizes) {
            for (boolean direct : new boolean[] {false, true}) {
                byte[] data = data(size, size);
                ByteBuf compressed = compress(type, data, direct);
                ByteBuf src = direct ? Unpooled.directBuffer().writeBytes(compressed) : compressed.retainedSlice();
                ByteBuf out = type.decompress(src, alloc, size);
                try {
                    assertArrayEquals(data, ByteBufUtil.getBytes(out), type + " " + size);
                } finally {
                    out.release();
                    src.release();
                    compressed.release();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aBombStopsAtTheLimit(CompressionType type) {
        byte[] zeros = new byte[8 * 1024 * 1024];
        ByteBuf compressed = compress(type, zeros, false);
        try {
            int limit = 1024 * 1024;
            DecompressionLimitException e = assertThrows(DecompressionLimitException.class,
                    () -> type.decompress(compressed, alloc, limit));
            assertEquals(limit, e.limit());
            assertTrue(alloc.largestBlock() <= limit + 64 * 1024,
                    "largest allocation " + alloc.largestBlock() + " stayed near the limit");
            assertThrows(DecompressionLimitException.class, () -> type.decompress(compressed, alloc, zeros.length - 1));
            ByteBuf exact = type.decompress(compressed, alloc, zeros.length);
            assertEquals(zeros.length, exact.readableBytes());
            exact.release();
        } finally {
            compressed.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void corruptOrTruncatedDataIsADecodeError(CompressionType type) {
        byte[] data = data(100_000, 3);
        ByteBuf compressed = compress(type, data, false);
        try {
            int n = compressed.readableBytes();
            for (int cut : new int[] {0, 1, 5, n / 2, n - 1}) {
                assertThrows(DecodeException.class, () -> type.decompress(compressed.slice(0, cut), alloc, 1 << 20),
                        type + " cut at " + cut);
            }
            Random random = new Random(11);
            int failures = 0;
            for (int i = 0; i < 200; i++) {
                ByteBuf copy = Unpooled.copiedBuffer(compressed);
                int at = random.nextInt(n);
                copy.setByte(at, copy.getByte(at) ^ (1 + random.nextInt(255)));
                try {
                    ByteBuf out = type.decompress(copy, alloc, 1 << 20);
                    // A flip in an unchecked place can still decode; it must not decode to the original.
                    out.release();
                } catch (DecodeException expected) {
                    failures++;
                } finally {
                    copy.release();
                }
            }
            assertTrue(failures > 0, "some corruptions are detected");
        } finally {
            compressed.release();
        }
    }

    @Test
    void unknownIdsAndNamesAreRefused() {
        for (CompressionType t : CompressionType.values()) {
            assertEquals(t, CompressionType.forId(t.id()));
            assertEquals(t, CompressionType.forName(t.configName()));
        }
        for (int id = 5; id < 8; id++) {
            int bad = id;
            assertThrows(DecodeException.class, () -> CompressionType.forId(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> CompressionType.forName("brotli"));
    }

    /** KIP-390: every level in each codec's range round-trips, and the level changes what is written. */
    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "LZ4", "ZSTD"})
    void levelsRoundTripAndAHigherOneWritesLess(CompressionType type) {
        byte[] data = data(200_000, 390);
        int low = type == CompressionType.ZSTD ? -5 : 1;
        int high = type == CompressionType.GZIP ? 9 : type == CompressionType.LZ4 ? 17 : 19;
        int[] levels = {low, type.defaultLevel(), high};
        int[] sizes = new int[levels.length];
        for (int i = 0; i < levels.length; i++) {
            ByteBuf src = Unpooled.wrappedBuffer(data);
            ByteBuf dst = Unpooled.buffer();
            type.compress(src, dst, levels[i]);
            sizes[i] = dst.readableBytes();
            ByteBuf out = type.decompress(dst, alloc, data.length);
            try {
                assertArrayEquals(data, ByteBufUtil.getBytes(out), type + " level " + levels[i]);
            } finally {
                out.release();
                dst.release();
            }
        }
        assertTrue(sizes[2] < sizes[0], type + ": level " + high + " wrote " + sizes[2] + " bytes, level " + low
                + " " + sizes[0]);
        ByteBuf dst = Unpooled.buffer();
        type.compress(Unpooled.wrappedBuffer(data), dst);
        assertEquals(sizes[1], dst.readableBytes(), "no level is the default level");
        dst.release();
    }

    @Test
    void levelsOutsideACodecsRangeAreRefused() {
        int[][] invalid = {{CompressionType.GZIP.ordinal(), 0}, {CompressionType.GZIP.ordinal(), 10},
            {CompressionType.LZ4.ordinal(), 0}, {CompressionType.LZ4.ordinal(), 18},
            {CompressionType.ZSTD.ordinal(), 23}, {CompressionType.ZSTD.ordinal(), -131073}};
        for (int[] c : invalid) {
            CompressionType type = CompressionType.values()[c[0]];
            assertTrue(!type.isValidLevel(c[1]), type + " " + c[1]);
            ByteBuf dst = Unpooled.buffer();
            assertThrows(IllegalArgumentException.class, () -> type.compress(Unpooled.wrappedBuffer(new byte[10]),
                    dst, c[1]));
            assertThrows(IllegalArgumentException.class,
                    () -> new RecordBatchBuilder(alloc).compression(type, c[1]));
            dst.release();
        }
        assertTrue(CompressionType.GZIP.isValidLevel(-1));
        assertTrue(CompressionType.ZSTD.isValidLevel(-131072));
        assertTrue(CompressionType.SNAPPY.isValidLevel(42), "snappy has no level and ignores it");
    }
}
