package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Zig-zag varints against the official client's encoder, and malformed input. */
class VarintsTest {
    private static final int[] INTS = {0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 1 << 20, -(1 << 20),
        Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final long[] LONGS = {0L, 1L, -1L, 1L << 35, -(1L << 35), Long.MAX_VALUE, Long.MIN_VALUE,
        1_700_000_000_000L, -1_700_000_000_000L};

    @Test
    void varintsMatchTheOfficialEncodingByteForByte() {
        Random random = new Random(7);
        for (int i = 0; i < INTS.length + 2000; i++) {
            int v = i < INTS.length ? INTS[i] : random.nextInt() >> random.nextInt(32);
            ByteBuffer kafka = ByteBuffer.allocate(5);
            ByteUtils.writeVarint(v, kafka);
            ByteBuf ours = Unpooled.buffer();
            Varints.writeVarint(ours, v);
            assertArrayEquals(java.util.Arrays.copyOf(kafka.array(), kafka.position()), ByteBufUtil.getBytes(ours));
            assertEquals(ours.readableBytes(), Varints.sizeOfVarint(v));
            Varints.Position p = new Varints.Position();
            assertEquals(v, Varints.readVarint(ours, p, ours.writerIndex()));
            assertEquals(ours.writerIndex(), p.index);
        }
    }

    @Test
    void varlongsMatchTheOfficialEncodingByteForByte() {
        Random random = new Random(8);
        for (int i = 0; i < LONGS.length + 2000; i++) {
            long v = i < LONGS.length ? LONGS[i] : random.nextLong() >> random.nextInt(64);
            ByteBuffer kafka = ByteBuffer.allocate(10);
            ByteUtils.writeVarlong(v, kafka);
            ByteBuf ours = Unpooled.buffer();
            Varints.writeVarlong(ours, v);
            assertArrayEquals(java.util.Arrays.copyOf(kafka.array(), kafka.position()), ByteBufUtil.getBytes(ours));
            assertEquals(ours.readableBytes(), Varints.sizeOfVarlong(v));
            Varints.Position p = new Varints.Position();
            assertEquals(v, Varints.readVarlong(ours, p, ours.writerIndex()));
        }
    }

    @Test
    void overlongAndTruncatedVarintsAreDecodeErrors() {
        ByteBuf six = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, 0});
        assertThrows(DecodeException.class, () -> Varints.readVarint(six, new Varints.Position(), 6));
        ByteBuf eleven = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0});
        assertThrows(DecodeException.class, () -> Varints.readVarlong(eleven, new Varints.Position(), 11));
        ByteBuf cut = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, 1});
        assertThrows(DecodeException.class, () -> Varints.readVarint(cut, new Varints.Position(), 2));
        assertThrows(DecodeException.class, () -> Varints.readVarlong(cut, new Varints.Position(), 2));
        Varints.Position p = new Varints.Position();
        assertEquals(8192, Varints.readVarint(cut, p, 3));
    }
}
