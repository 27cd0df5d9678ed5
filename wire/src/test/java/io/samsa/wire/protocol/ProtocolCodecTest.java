package io.samsa.wire.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.DefaultPrincipalData;
import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.junit.jupiter.api.Test;

/** The primitive encodings, checked against the official client's ByteUtils and on hostile bytes. */
class ProtocolCodecTest {

    private static ByteBuf bytes(int... b) {
        ByteBuf buf = Unpooled.buffer(b.length);
        for (int x : b) {
            buf.writeByte(x);
        }
        return buf;
    }

    @Test
    void varintsMatchTheOfficialEncodingAndSizes() {
        Random r = new Random(7);
        int[] edge = {0, 1, 127, 128, 16383, 16384, Integer.MAX_VALUE, -1, Integer.MIN_VALUE};
        for (int i = 0; i < 2000; i++) {
            int v = i < edge.length ? edge[i] : r.nextInt() >> r.nextInt(32);
            ByteBuf ours = Unpooled.buffer();
            ProtocolCodec.writeUnsignedVarint(ours, v);
            ByteBuffer theirs = ByteBuffer.allocate(5);
            ByteUtils.writeUnsignedVarint(v, theirs);
            assertArrayEquals(java.util.Arrays.copyOf(theirs.array(), theirs.position()), ByteBufUtil.getBytes(ours));
            assertEquals(ByteUtils.sizeOfUnsignedVarint(v), ProtocolCodec.sizeOfUnsignedVarint(v));
            assertEquals(v, ProtocolCodec.readUnsignedVarint(ours));
            ByteBuf zig = Unpooled.buffer();
            ProtocolCodec.writeVarint(zig, v);
            assertEquals(ByteUtils.sizeOfVarint(v), zig.readableBytes());
            assertEquals(v, ProtocolCodec.readVarint(zig));
            long l = r.nextLong() >> r.nextInt(64);
            ByteBuf zl = Unpooled.buffer();
            ProtocolCodec.writeVarlong(zl, l);
            assertEquals(ByteUtils.sizeOfVarlong(l), zl.readableBytes());
            assertEquals(ProtocolCodec.sizeOfVarlong(l), zl.readableBytes());
            assertEquals(l, ProtocolCodec.readVarlong(zl));
        }
    }

    @Test
    void overlongVarintsAreDecodeErrors() {
        assertThrows(DecodeException.class, () -> ProtocolCodec.readUnsignedVarint(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 1)));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readVarlong(bytes(
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1)));
        assertEquals(-1, ProtocolCodec.readUnsignedVarint(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)));
    }

    @Test
    void stringsAreCheckedForLengthAndUtf8() {
        assertEquals("hé", ProtocolCodec.readString(bytes(0, 3, 'h', 0xc3, 0xa9), false, false, "F"));
        assertEquals("hé", ProtocolCodec.readString(bytes(4, 'h', 0xc3, 0xa9), true, false, "F"));
        assertNull(ProtocolCodec.readString(bytes(0xff, 0xff), false, true, "F"));
        assertNull(ProtocolCodec.readString(bytes(0), true, true, "F"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readString(bytes(0xff, 0xff), false, false, "F"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readString(bytes(0xff, 0xfe), false, true, "F"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readString(bytes(0x7f, 0xff, 'a'), false, true, "F"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readString(bytes(0xff, 0xff, 0xff, 0xff, 0x0f),
            true, true, "F"));
        int[][] badUtf8 = {{0xc0, 0x80}, {0xed, 0xa0, 0x80}, {0xf4, 0x90, 0x80, 0x80}, {0xe2, 0x82}, {0x80}, {0xff}};
        for (int[] bad : badUtf8) {
            ByteBuf buf = Unpooled.buffer();
            buf.writeShort(bad.length);
            for (int b : bad) {
                buf.writeByte(b);
            }
            assertThrows(DecodeException.class, () -> ProtocolCodec.readString(buf, false, false, "F"));
        }
        ByteBuf out = Unpooled.buffer();
        ProtocolCodec.writeString(out, "\uD83D\uDE00", true, false, "F");
        assertEquals(ProtocolCodec.sizeOfString("\uD83D\uDE00", true), out.readableBytes());
        assertEquals("\uD83D\uDE00", ProtocolCodec.readString(out, true, false, "F"));
        assertThrows(NullPointerException.class, () -> ProtocolCodec.writeString(out, null, true, false, "F"));
    }

    /** EnvelopePrincipalFuzzTest's finding: a count above 2^31-1 was read as negative and skipped the fields. */
    @Test
    void aTaggedFieldCountAboveIntMaxIsADecodeError() {
        // DefaultPrincipalData v0: type "", name "", token_authenticated, then 0xDFFFFFFF tagged fields.
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {1, 1, 0x23, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, 0x0d});
        DecodeException e = assertThrows(DecodeException.class,
                () -> new DefaultPrincipalData().read(buf, (short) 0));
        assertEquals("Invalid number of tagged fields 3758096383", e.getMessage());
        ByteBuf zero = Unpooled.wrappedBuffer(new byte[] {1, 1, 0, 0});
        new DefaultPrincipalData().read(zero, (short) 0);
        assertEquals(0, zero.readableBytes());
    }

    @Test
    void lengthsBeyondTheRemainingBytesFailBeforeAllocating() {
        assertThrows(DecodeException.class, () -> ProtocolCodec.readBytes(bytes(0x7f, 0xff, 0xff, 0xff), false, false, "B"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readArrayLength(bytes(0x7f, 0xff, 0xff, 0xff), false, false, "A"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readArrayLength(bytes(0xff, 0xff, 0xff, 0xfe), false, true, "A"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readRecords(bytes(0x05, 1, 2), true, true, "R"));
        assertThrows(DecodeException.class, () -> ProtocolCodec.readTaggedFieldSize(bytes(0x05, 1, 2)));
        assertEquals(-1, ProtocolCodec.readArrayLength(bytes(0), true, true, "A"));
    }

    @Test
    void recordsAreZeroCopySlicesAndWriteTheirLengthFromSizeInBytes() {
        ByteBuf in = bytes(0, 0, 0, 3, 9, 8, 7, 42);
        Records r = ProtocolCodec.readRecords(in, false, true, "R");
        assertEquals(3, r.sizeInBytes());
        assertEquals(7, in.readerIndex());
        in.setByte(4, 1);
        assertEquals(1, ((ByteBufRecords) r).buffer().getByte(0), "a slice shares the input's memory");
        int[] calls = {0};
        Records deferred = new Records() {
            @Override
            public int sizeInBytes() {
                return 1000;
            }

            @Override
            public void writeTo(ByteBuf out) {
                calls[0]++;
            }
        };
        ByteBuf out = Unpooled.buffer();
        ProtocolCodec.writeRecords(out, deferred, true, false, "R");
        assertEquals(1, calls[0]);
        assertEquals(1001, ProtocolCodec.readUnsignedVarint(out));
        assertEquals(0, out.readableBytes(), "a deferred region writes only the prefix");
    }
}
