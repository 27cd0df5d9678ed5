package io.samsa.wire.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.codegen.MessageSpec;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile bytes for every message and version: truncation at every byte, corrupted bytes (huge,
 * negative and overlong lengths), and unsupported versions. Only DecodeException may escape.
 */
class MalformedInputTest {

    @Test
    void truncationAtEveryByteAndRandomCorruptionOnlyEverThrowDecodeException() throws Exception {
        Random random = new Random(42);
        RandomMessages gen = new RandomMessages(random);
        int truncations = 0;
        int corruptions = 0;
        for (MessageSpec spec : RandomMessages.union()) {
            for (int v = spec.lowestVersion(); v >= 0 && v <= spec.highestVersion(); v++) {
                short version = (short) v;
                Message m = gen.randomMessage(spec, version);
                ByteBuf buf = Unpooled.buffer();
                m.write(buf, version);
                byte[] bytes = ByteBufUtil.getBytes(buf);
                for (int len = 0; len < bytes.length; len++) {
                    ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, len);
                    Message target = newLike(m);
                    assertThrows(DecodeException.class, () -> target.read(cut, version),
                        spec.name() + " v" + v + " truncated to " + len + " of " + bytes.length);
                    truncations++;
                }
                for (int i = 0; i < 40 && bytes.length > 0; i++) {
                    byte[] bad = bytes.clone();
                    int at = random.nextInt(bad.length);
                    int pattern = random.nextInt(4);
                    int n = Math.min(bad.length - at, 1 + random.nextInt(4));
                    for (int j = 0; j < n; j++) {
                        bad[at + j] = (byte) (pattern == 0 ? 0xff : pattern == 1 ? 0x7f : pattern == 2 ? 0x80
                            : random.nextInt());
                    }
                    readOnlyDecodeException(newLike(m), bad, version);
                    corruptions++;
                }
            }
        }
        assertTrue(truncations > 10000 && corruptions > 10000, truncations + " truncations, " + corruptions);
    }

    @Test
    void versionsOutsideTheRangeAreDecodeErrors() {
        for (ApiMessageType t : ApiMessageType.values()) {
            Message req = t.newRequest();
            assertThrows(DecodeException.class, () -> req.read(Unpooled.buffer(), (short) (t.highestVersion() + 1)));
            assertThrows(DecodeException.class, () -> req.read(Unpooled.buffer(), (short) -1));
        }
    }

    @Test
    void hugeAndNegativeLengthsFailWithoutAllocating() {
        // MetadataRequest v1: Topics is a nullable int32-counted array of structs.
        ByteBuf huge = Unpooled.buffer().writeInt(Integer.MAX_VALUE);
        assertThrows(DecodeException.class, () -> new MetadataRequest().read(huge, (short) 1));
        ByteBuf negative = Unpooled.buffer().writeInt(-2);
        assertThrows(DecodeException.class, () -> new MetadataRequest().read(negative, (short) 1));
        ByteBuf nullTopics = Unpooled.buffer().writeInt(-1);
        MetadataRequest all = new MetadataRequest();
        all.read(nullTopics, (short) 1);
        assertEquals(null, all.topics(), "null is allowed where the schema says so");
        // v0's array is not nullable
        assertThrows(DecodeException.class, () -> new MetadataRequest().read(Unpooled.buffer().writeInt(-1), (short) 0));
        // SaslAuthenticateRequest v0: AuthBytes with a length far beyond the frame
        ByteBuf bytes = Unpooled.buffer().writeInt(0x7ffffff0).writeByte(1);
        assertThrows(DecodeException.class, () -> new SaslAuthenticateRequest().read(bytes, (short) 0));
        // ApiVersionsRequest v3: a six-byte varint where a compact string length belongs
        ByteBuf varint = Unpooled.buffer().writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 1});
        assertThrows(DecodeException.class, () -> new ApiVersionsRequest().read(varint, (short) 3));
        // a tagged field that claims more bytes than remain
        ByteBuf tagged = Unpooled.buffer().writeByte(1).writeByte(1).writeByte(1).writeByte(99).writeByte(0x7f);
        assertThrows(DecodeException.class, () -> new ApiVersionsRequest().read(tagged, (short) 3));
    }

    private static Message newLike(Message m) throws ReflectiveOperationException {
        return m.getClass().getConstructor().newInstance();
    }

    private static void readOnlyDecodeException(Message target, byte[] bytes, short version) {
        try {
            target.read(Unpooled.wrappedBuffer(bytes), version);
        } catch (DecodeException expected) {
            // fine: typed error
        } catch (RuntimeException | Error e) {
            fail(target.getClass().getSimpleName() + " v" + version + " threw " + e + " for "
                + ByteBufUtil.hexDump(bytes), e);
        }
    }

}
